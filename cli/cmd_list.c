/* cli/cmd_list.c — `chanscope list [--json | --variants]`: the pattern catalog.
 *
 *   (no flag)   a table: pattern, title, variants with the kinds each must show
 *   --json      [{"name","title","summary","variants":[{"name","expect":[kinds]}]}]
 *   --variants  one "NAME/VARIANT KINDS" line per variant (KINDS "-" when clean),
 *               for scripts
 */
#include <cjson/cJSON.h>
#include <getopt.h>
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
            if (v->race_build) cJSON_AddStringToObject(vo, "build", "race");
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
            printf("  %-22s %-26s %s%s\n", p->variants[j].name,
                   catalog_kinds_str(p->variants[j].expect, kinds, sizeof kinds),
                   p->variants[j].summary ? p->variants[j].summary : "",
                   p->variants[j].race_build ? " (race build)" : "");
    }
    printf("\n%d patterns.  Run one: chanscope run NAME[/VARIANT]\n", cat->npatterns);
    return 0;
}

static const char list_usage[] =
    "usage: chanscope list [--json | --variants]\n"
    "\n"
    "The pattern catalog: each pattern's title, and each variant with the finding\n"
    "kinds the analyzer must report for it ('-' for a correct one).\n"
    "\n"
    "  -j, --json      an array of {name, title, summary, variants: [{name, summary,\n"
    "                  [build: \"race\"], expect: [kinds]}]}\n"
    "      --variants  one 'NAME/VARIANT KINDS' line per variant, for scripts\n"
    "  -h, --help      this help\n";

int cmd_list(int argc, char **argv) {
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"variants", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum { TABLE, JSON, VARIANTS } mode = TABLE;
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":jh", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': mode = JSON; break;
        case 'V': mode = VARIANTS; break;
        case 'h': fputs(list_usage, stdout); return 0;
        default: return cs_option_error("list", c, argv);
        }
    }
    if (optind < argc) return cs_usage_error("list", "unexpected argument '%s'", argv[optind]);
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
