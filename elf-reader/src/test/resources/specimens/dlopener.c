/* Waits for a line on stdin, dlopens argv[1], prints the run-time start of its cs_add (from the
 * library's own cs_add_start_address), then waits until stdin closes. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
    char line[16];
    printf("ready\n");
    fflush(stdout);
    if (argc < 2 || !fgets(line, sizeof line, stdin)) return 1;
    void *library = dlopen(argv[1], RTLD_NOW);
    if (!library) { printf("error %s\n", dlerror()); return 1; }
    void *(*address)(void) = (void *(*)(void))dlsym(library, "cs_add_start_address");
    printf("cs_add_start %p\n", address());
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
    }
    return 0;
}
