/* --version: the program's version and those of the libraries it links. */
#include <stdio.h>

#include "util.h"

void
version_print(const char *prog, const char *libs)
{
	printf("%s %s\n", prog, VERSION);
	if (libs != NULL && *libs != '\0')
		printf("%s\n", libs);
}
