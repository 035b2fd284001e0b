/*
 * bench_server.h - what the benchmarks against a database server share
 * (bench_write_pg, bench_write_mysql): a throwaway server that a script of
 * tests/servers/ (pg.sh, mariadb.sh) starts in a temporary directory and
 * that is stopped at exit, on failure and on SIGINT, SIGTERM or SIGHUP too;
 * and counting what a client sends on its TCP connection. Header-only,
 * static, like bench_util.h; the program defines _XOPEN_SOURCE 700 (mkdtemp,
 * sigaction) before its first include.
 */
#ifndef TRAIL_BENCH_SERVER_H
#define TRAIL_BENCH_SERVER_H

#include "bench_util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_data_segs_out, TCP_INFO */
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The longest path of the server's temporary directory. */
#define BENCH_DIR_MAX 1024

static struct {
    char dir[BENCH_DIR_MAX];       /* ours, from mkdtemp(): holds the server's */
    char data[BENCH_DIR_MAX + 16]; /* dir/<name>: the script's DIR */
    const char *script;
} bench_server;

/* Where the server stands; lock-free, so the signal handler may use it too. */
enum { BENCH_SERVER_NONE, BENCH_SERVER_UP, BENCH_SERVER_STOPPING, BENCH_SERVER_STOPPED };
static atomic_int bench_server_state;
/* The process (and group) of a `script start` under way, or 0. */
static atomic_int bench_server_starting;

/*
 * Runs @argv in a process group of its own, its stdout (the script's URL)
 * to /dev/null; returns its exit status, -1 when it could not run. Only
 * async-signal-safe calls: the signal handler stops the server with it.
 * With @start, bench_server_starting names it while it runs.
 */
static int bench_server_run(char *const argv[], bool start)
{
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    if (start)
        atomic_store(&bench_server_starting, pid);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    atomic_store(&bench_server_starting, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* `bash <script> @command <DIR>` */
static int bench_server_script(const char *command)
{
    char *argv[] = { "bash", (char *)bench_server.script, (char *)command, bench_server.data,
                     NULL };
    return bench_server_run(argv, strcmp(command, "start") == 0);
}

/*
 * Stops the server and removes its directory, once. Whoever comes second
 * (a client thread exiting on the error the stopping server gave it, while
 * the signal handler stops it) waits until that is done.
 */
static void bench_server_stop(void)
{
    int up = BENCH_SERVER_UP;
    if (atomic_compare_exchange_strong(&bench_server_state, &up, BENCH_SERVER_STOPPING)) {
        /* A start under way (initdb, say) ends first, or it would go on after the stop. */
        pid_t start = atomic_exchange(&bench_server_starting, 0);
        if (start > 0) {
            kill(-start, SIGTERM);
            waitpid(start, NULL, 0);
        }
        /*
         * The script leaves a directory it is not sure it made (initdb had
         * only begun, say); everything under our directory is ours.
         */
        if (bench_server_script("stop") != 0) {
            char *rm[] = { "rm", "-rf", "--", bench_server.data, NULL };
            bench_server_run(rm, false);
        }
        rmdir(bench_server.dir);
        atomic_store(&bench_server_state, BENCH_SERVER_STOPPED);
        return;
    }
    struct timespec pause = { 0, 10000000 };
    while (atomic_load(&bench_server_state) == BENCH_SERVER_STOPPING)
        nanosleep(&pause, NULL);
}

static void bench_server_on_signal(int sig)
{
    bench_server_stop();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* At exit, with the signals blocked: a handler must not wait for the stop it interrupted. */
static void bench_server_stop_at_exit(void)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    bench_server_stop();
}

/*
 * Starts a server with @script in a new directory @program.XXXXXX under
 * @parent, the script's DIR being @name in it; its URL (DIR/url) into @url.
 * From here on the server is stopped at exit and on SIGINT, SIGTERM and
 * SIGHUP, a failed or interrupted start cleaned up too.
 */
static void bench_server_start(const char *script, const char *parent, const char *program,
                               const char *name, char *url, size_t size)
{
    bench_server.script = script;
    snprintf(bench_server.dir, sizeof bench_server.dir, "%s/%s.XXXXXX", parent, program);
    if (!mkdtemp(bench_server.dir))
        bench_die("cannot make a directory %s: %s", bench_server.dir, strerror(errno));
    /* The script runs the server as an unprivileged user when we are root: it must reach DIR. */
    if (chmod(bench_server.dir, 0755) != 0)
        bench_die("chmod %s: %s", bench_server.dir, strerror(errno));
    snprintf(bench_server.data, sizeof bench_server.data, "%s/%s", bench_server.dir, name);
    atomic_store(&bench_server_state, BENCH_SERVER_UP);
    atexit(bench_server_stop_at_exit);
    struct sigaction sa = { .sa_handler = bench_server_on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (bench_server_script("start") != 0)
        bench_die("%s start %s failed (see above)", script, bench_server.data);
    char path[BENCH_DIR_MAX + 32];
    snprintf(path, sizeof path, "%s/url", bench_server.data);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(url, (int)size, f))
        bench_die("cannot read the server's URL from %s", path);
    fclose(f);
    url[strcspn(url, "\r\n")] = '\0';
}

/* The TCP data segments sent so far on socket @fd; -1 when it is not a TCP socket. */
static long bench_tcp_sends(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_data_segs_out) + sizeof ti.tcpi_data_segs_out)
        return -1;
    return (long)ti.tcpi_data_segs_out;
}

/*
 * This process's socket whose local port is @port, or -1: how a trail
 * connection's socket is found, from the port the server says it sees.
 */
static int bench_socket_of_port(long port)
{
    for (int fd = 0; fd < 1024 && port > 0; fd++) {
        struct sockaddr_storage a;
        socklen_t len = sizeof a;
        if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
            continue;
        long p = a.ss_family == AF_INET    ? ntohs(((struct sockaddr_in *)&a)->sin_port)
                 : a.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&a)->sin6_port)
                                           : -1;
        if (p == port)
            return fd;
    }
    return -1;
}

#endif /* TRAIL_BENCH_SERVER_H */
