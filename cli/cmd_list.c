/* cli/cmd_list.c — `chanscope list [--json | --variants]`: the pattern catalog.
 *
 *   (no flag)   a table: pattern, title, variants with the kinds each must show
 *   --json      [{"name","title","summary","variants":[{"name","expect":[kinds]}]}]
 *   --variants  one "NAME/VARIANT KINDS" line per variant (KINDS "-" when clean),
 *               for scripts
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "commands.h"

static int list_json(const catalog *cat) {
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < cat->npatterns; i++) {
        const catalog_pattern *p = &cat->patterns[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", p->name);
        cJSON_AddStringToObject(o, "title", p->title);
        cJSON_AddStringToObject(o, "summary", p->summary);
        cJSON *vs = cJSON_AddArrayToObject(o, "variants");
        for (int j = 0; j < p->nvariants; j++) {
            const catalog_variant *v = &p->variants[j];
            cJSON *vo = cJSON_CreateObject();
            cJSON_AddStringToObject(vo, "name", v->name);
            if (v->summary) cJSON_AddStringToObject(vo, "summary", v->summary);
            cJSON *ex = cJSON_AddArrayToObject(vo, "expect");
            for (int k = 0; k < CATALOG_NKINDS; k++)
                if (v->expect & (1u << k))
                    cJSON_AddItemToArray(ex, cJSON_CreateString(catalog_kind_name(k)));
            cJSON_AddItemToArray(vs, vo);
        }
        cJSON_AddItemToArray(arr, o);
    }
    char *s = cJSON_Print(arr);
    puts(s);
    free(s);
    cJSON_Delete(arr);
    return 0;
}

static int list_table(const catalog *cat) {
    char kinds[128];
    for (int i = 0; i < cat->npatterns; i++) {
        const catalog_pattern *p = &cat->patterns[i];
        printf("%-24s %s — %s\n", p->name, p->title, p->summary);
        for (int j = 1; j < p->nvariants; j++)
            printf("  %-22s %-26s %s\n", p->variants[j].name,
                   catalog_kinds_str(p->variants[j].expect, kinds, sizeof kinds),
                   p->variants[j].summary ? p->variants[j].summary : "");
    }
    printf("\n%d patterns.  Run one: chanscope run NAME[/VARIANT]\n", cat->npatterns);
    return 0;
}

int cmd_list(int argc, char **argv) {
    enum { TABLE, JSON, VARIANTS } mode = TABLE;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) mode = JSON;
        else if (!strcmp(argv[i], "--variants")) mode = VARIANTS;
        else return cs_bad_input("list: unknown argument '%s' (usage: list [--json|--variants])",
                                 argv[i]);
    }
    catalog cat;
    char err[512];
    if (catalog_load(cs_home(), &cat, err, sizeof err)) return cs_bad_input("%s", err);
    int rc = 0;
    if (mode == JSON) {
        rc = list_json(&cat);
    } else if (mode == VARIANTS) {
        char kinds[128];
        for (int i = 0; i < cat.npatterns; i++)
            for (int j = 0; j < cat.patterns[i].nvariants; j++)
                printf("%s/%s %s\n", cat.patterns[i].name, cat.patterns[i].variants[j].name,
                       catalog_kinds_str(cat.patterns[i].variants[j].expect, kinds, sizeof kinds));
    } else {
        rc = list_table(&cat);
    }
    catalog_free(&cat);
    return rc;
}
