/* test_gv_lock.c: the output-directory lock (gv_lock.h): exclusive between
 * processes and between descriptors of one process, released on close and
 * by the kernel when the holder is killed (SIGKILL leaves no stale lock),
 * and it names its holder. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, kill, waitpid */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gv_lock.h"
#include "gv_test.h"

static char dir[64], path[128];

static void test_take_release(void)
{
    gv_err e;
    gv_lock_info a, b;
    CHECK_OK(gv_lock_take(path, &a, &e), e);
    CHECK(a.outcome == GV_LOCK_TAKEN && a.fd >= 0);
    /* The file says who holds it: "PID HOST". */
    char want[32];
    snprintf(want, sizeof want, "%ld ", (long)getpid());
    FILE *f = fopen(path, "r");
    char text[128] = "";
    CHECK(f && fgets(text, sizeof text, f));
    if (f) fclose(f);
    CHECK_MSG(strncmp(text, want, strlen(want)) == 0, "lock file holds '%s'", text);
    /* A second descriptor, even in the same process, is refused and told the holder. */
    CHECK_OK(gv_lock_take(path, &b, &e), e);
    CHECK(b.outcome == GV_LOCK_BUSY && b.fd == -1);
    CHECK_MSG(strncmp(b.holder, want, strlen(want)) == 0, "holder '%s'", b.holder);
    CHECK(!strchr(b.holder, '\n'));
    gv_lock_release(a.fd);
    CHECK_OK(gv_lock_take(path, &b, &e), e);
    CHECK(b.outcome == GV_LOCK_TAKEN);
    gv_lock_release(b.fd);
    gv_lock_release(-1); /* a no-op */
}

/* A child takes the lock and is killed with SIGKILL: the lock is free again. */
static void test_killed_holder(void)
{
    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        gv_lock_info c;
        gv_err e;
        char ok = gv_lock_take(path, &c, &e) == GV_OK && c.outcome == GV_LOCK_TAKEN ? 'y' : 'n';
        if (write(ready[1], &ok, 1) != 1) _exit(1);
        for (;;) pause();
    }
    char ok = 0;
    CHECK(read(ready[0], &ok, 1) == 1 && ok == 'y');
    gv_lock_info b;
    gv_err e;
    CHECK_OK(gv_lock_take(path, &b, &e), e);
    CHECK(b.outcome == GV_LOCK_BUSY);
    long holder = strtol(b.holder, NULL, 10);
    CHECK_MSG(holder == (long)pid, "holder '%s', child %ld", b.holder, (long)pid);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK_OK(gv_lock_take(path, &b, &e), e);
    CHECK(b.outcome == GV_LOCK_TAKEN);
    gv_lock_release(b.fd);
    close(ready[0]);
    close(ready[1]);
}

/* A descriptor held by the lock is not inherited across exec (O_CLOEXEC):
 * a child process (gnuplot) never keeps a run's directory locked. */
static void test_cloexec(void)
{
    gv_lock_info a;
    gv_err e;
    CHECK_OK(gv_lock_take(path, &a, &e), e);
    int out[2];
    CHECK(pipe(out) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        /* After exec, sh holds only the descriptors exec kept; it says so, then waits. */
        dup2(out[1], 1);
        execl("/bin/sh", "sh", "-c", "echo exec; read x", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char word[5] = "";
    CHECK(read(out[0], word, 4) == 4 && memcmp(word, "exec", 4) == 0);
    gv_lock_release(a.fd);
    gv_lock_info b;
    CHECK_OK(gv_lock_take(path, &b, &e), e);
    CHECK_MSG(b.outcome == GV_LOCK_TAKEN, "the child kept the lock across exec");
    gv_lock_release(b.fd);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    close(out[0]);
}

static void test_errors(void)
{
    gv_err e;
    gv_lock_info a;
    char bad[192];
    snprintf(bad, sizeof bad, "%s/no/such/dir/.lock", dir);
    CHECK_FAILS(gv_lock_take(bad, &a, &e), GV_EIO, e, "cannot create the lock file");
    CHECK(a.err != 0 && a.fd == -1);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/gvlockXXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    snprintf(path, sizeof path, "%s/.glassvm.lock", dir);
    GV_RUN(test_take_release);
    GV_RUN(test_killed_holder);
    GV_RUN(test_cloexec);
    GV_RUN(test_errors);
    remove(path);
    rmdir(dir);
    return GV_TEST_END();
}
