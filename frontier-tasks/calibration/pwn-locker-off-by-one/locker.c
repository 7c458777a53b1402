#include <stdio.h>
#include <string.h>

#define LOCKED 0x01u
#define AUDITED 0x400u

struct locker {
    char note[32];
    unsigned int flags;
};

static int read_note(struct locker *locker) {
    char line[80];
    if (fgets(line, sizeof line, stdin) == NULL) {
        return 0;
    }
    size_t length = strcspn(line, "\n");
    if (length > sizeof locker->note) {
        puts("note too long");
        return 0;
    }
    memcpy(locker->note, line, length);
    locker->note[length] = '\0';
    return 1;
}

static void open_locker(void) {
    char parcel[96] = {0};
    FILE *file = fopen("flag.txt", "r");
    if (file != NULL && fgets(parcel, sizeof parcel, file) != NULL) {
        printf("locker opened; parcel: %s", parcel);
        fclose(file);
    }
}

int main(void) {
    struct locker locker;
    memset(&locker, 0, sizeof locker);
    locker.flags = LOCKED | AUDITED;
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("delivery note: ");
    if (!read_note(&locker)) {
        return 1;
    }
    printf("note saved (%zu bytes), flags %#x\n", strlen(locker.note), locker.flags);
    if (locker.flags & LOCKED) {
        puts("locker is locked");
    } else {
        open_locker();
    }
    return 0;
}
