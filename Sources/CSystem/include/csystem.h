// Linux system headers Glibc's Swift module does not export (epoll, signalfd, accept4).
// No _GNU_SOURCE here: it changes glibc's struct definitions and clashes with SwiftGlibc.
#ifndef KEYWARD_CSYSTEM_H
#define KEYWARD_CSYSTEM_H
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <signal.h>

extern int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

static inline int kw_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}
#endif
