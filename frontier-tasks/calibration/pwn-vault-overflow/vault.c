#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ROLE_GUEST 0u
#define ROLE_OPERATOR 0x0badc0deu

struct session {
    char name[32];
    unsigned int role;
    char reserved[28];
};

static void open_vault(void) {
    char secret[128] = {0};
    FILE *file = fopen("flag.txt", "r");
    if (file == NULL) {
        puts("vault is empty");
        return;
    }
    if (fgets(secret, sizeof secret, file) != NULL) {
        printf("vault opened: %s", secret);
    }
    fclose(file);
}

int main(void) {
    struct session session;
    memset(&session, 0, sizeof session);
    session.role = ROLE_GUEST;
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("name: ");
    /* Reads up to 48 bytes into a 32-byte name. */
    ssize_t got = read(STDIN_FILENO, session.name, 48);
    if (got <= 0) {
        return 1;
    }
    printf("hello, %.32s\n", session.name);
    if (session.role == ROLE_OPERATOR) {
        open_vault();
    } else {
        printf("role %#x may not open the vault\n", session.role);
    }
    return 0;
}
