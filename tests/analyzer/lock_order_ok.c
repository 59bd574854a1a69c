/* lock_order_ok.c — the correct twin of lock_order.c: both take accounts
 * before audit, and run at the same time without risk. */
#include <stdio.h>

#include "chanscope.h"

static mutex_t accounts = MUTEX_INIT, audit = MUTEX_INIT;
static waitgroup_t wg = WAITGROUP_INIT;

static void both(void *arg) {
    (void)arg;
    mutex_lock(&accounts);
    mutex_lock(&audit);
    mutex_unlock(&audit);
    mutex_unlock(&accounts);
    wg_done(&wg);
}

int main(void) {
    mutex_set_name(&accounts, "accounts");
    mutex_set_name(&audit, "audit");
    wg_add(&wg, 2);
    go_named("transfer", both, NULL);
    go_named("report", both, NULL);
    wg_wait(&wg);
    printf("done\n");
    return 0;
}
