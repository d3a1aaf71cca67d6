// SPDX-License-Identifier: MIT
/* make check-slurm: loaded (LD_PRELOAD) into munged, slurmctld, slurmd, srun and the ranks,
 * which run in a network namespace holding only the loopback interface. glibc answers a lookup
 * with AI_ADDRCONFIG only when a non-loopback address is configured, so Slurm, which always
 * asks with it, could not resolve its own host or bind there; this drops the flag. In that
 * namespace every address is loopback, so nothing the test starts can reach or be reached
 * from another machine (slurmctld binds the wildcard address, there meaning loopback only). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stddef.h>
int getaddrinfo(const char *node, const char *serv, const struct addrinfo *hints,
                struct addrinfo **res)
{
    static int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
    if (!real) *(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
    struct addrinfo h;
    if (hints) {
        h = *hints;
        h.ai_flags &= ~AI_ADDRCONFIG;
        hints = &h;
    }
    return real(node, serv, hints, res);
}
