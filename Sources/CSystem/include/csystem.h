// Linux system headers Glibc's Swift module does not export (epoll, signalfd, accept4).
#ifndef KEYWARD_CSYSTEM_H
#define KEYWARD_CSYSTEM_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <signal.h>

static inline int kw_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}
#endif
