/* SPDX-License-Identifier: MIT */
/* cmd_serve.h -- `reprint serve DIR`: an HTTP/1.1 JSON service over a persistent index. */
#ifndef RP_CMD_SERVE_H
#define RP_CMD_SERVE_H

/* argv[0] is "serve". Returns the process exit status. */
int rp_cmd_serve(int argc, char **argv);
#endif
