/* lock_order.c — potential deadlock: one goroutine takes accounts then
 * audit, another audit then accounts.  This run does not deadlock (the
 * second starts after the first finished), but with other timing it would.
 * Correct version: lock_order_ok.c (one lock order everywhere). */
#include <stdio.h>

#include "chanscope.h"

static mutex_t accounts = MUTEX_INIT, audit = MUTEX_INIT;
static waitgroup_t wg = WAITGROUP_INIT;

static void transfer(void *arg) {
    (void)arg;
    mutex_lock(&accounts);
    mutex_lock(&audit); /* EXPECT(lock_order) */
    mutex_unlock(&audit);
    mutex_unlock(&accounts);
    wg_done(&wg);
}

static void report(void *arg) {
    (void)arg;
    mutex_lock(&audit);
    mutex_lock(&accounts); /* EXPECT(lock_order) */
    mutex_unlock(&accounts);
    mutex_unlock(&audit);
    wg_done(&wg);
}

int main(void) {
    mutex_set_name(&accounts, "accounts");
    mutex_set_name(&audit, "audit");
    wg_add(&wg, 1);
    go(transfer, NULL);
    wg_wait(&wg);
    wg_add(&wg, 1);
    go(report, NULL);
    wg_wait(&wg);
    printf("done\n");
    return 0;
}
