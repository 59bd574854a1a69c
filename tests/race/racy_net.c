/* The client writes x AFTER its net_write: a race with the server's read
 * of x after its net_read (the socket orders only what came before the
 * write). */
#include "chanscope.h"
#include "race_test.h"

static int x;
static waitgroup_t wg;

static void server(void *arg) {
    net_listener_t *ln = arg;
    err_t err = NULL;
    net_conn_t *c = net_accept(ln, &err);
    if (!c) go_panic("accept failed");
    char b;
    if (net_read(c, &b, 1, &err) != 1) go_panic("read failed");
    USE(x);
    net_close(c);
    wg_done(&wg);
}

int main(void) {
    err_t err = NULL;
    net_listener_t *ln = net_listen("tcp", "127.0.0.1:0", &err);
    if (!ln) return 3;
    wg_add(&wg, 1);
    go(server, ln);
    net_conn_t *c = net_dial("tcp", net_listener_addr(ln), &err);
    if (!c) return 3;
    char b = 'x';
    net_write(c, &b, 1, &err);
    x = 1;
    wg_wait(&wg);
    net_close(c);
    net_listener_close(ln);
    return 0;
}
