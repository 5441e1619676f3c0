/*
 * libFuzzer driver that runs a whole tool's main() on the fuzzer's bytes as
 * its standard input (a memfd), output thrown away: parser, typing and
 * writing are all exercised, as a user would run them.
 * Built by tests/fuzz/run with -Dmain=tool_main on the tool's sources.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

extern int optind;
int	tool_main(int, char **);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char *argv[] = { "tool", FUZZ_ARGS NULL };
	int fd;

	if (!ready) {
		/* Output is thrown away; stderr is closed by -close_fd_mask=2. */
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, STDOUT_FILENO);
		close(fd);
		ready = 1;
	}
	if ((fd = memfd_create("fuzz", 0)) == -1)
		abort();
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	lseek(fd, 0, SEEK_SET);
	dup2(fd, STDIN_FILENO);
	close(fd);
	optind = 1;
	tool_main((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv);
	return 0;
}
