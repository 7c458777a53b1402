#include <stdio.h>
#include <string.h>

int main(void) {
    char master[64] = {0};
    char name[96] = {0};
    FILE *file = fopen("flag.txt", "r");
    if (file == NULL || fgets(master, sizeof master, file) == NULL) {
        puts("reader offline");
        return 1;
    }
    fclose(file);
    master[strcspn(master, "\n")] = '\0';
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("badge reader v2. name: ");
    if (fgets(name, sizeof name, stdin) == NULL) {
        return 1;
    }
    printf("welcome, ");
    printf(name); /* the visitor's name is used as the format */
    puts("access level: visitor (no doors)");
    return 0;
}
