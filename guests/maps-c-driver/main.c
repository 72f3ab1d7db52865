// Imports `maps` (guests/wit-maps/maps.wit) and exports `wasi:cli/run` in C
// (world `maps-c-driver`, wit/world.wit: why a reactor, not `main`), through
// the bindings that `wit-bindgen c` generates (scripts/build-fixtures.sh),
// makes the calls the Rust maps-driver makes and prints the results the way
// Rust's `{:?}` prints them, so the `maps-c-driver` fixture (this driver
// calling the Rust maps-lib) prints what `maps` prints. Maps print in the
// order received: the Rust library returns BTreeMaps, in key order.
//
// Ownership, as wit-bindgen's C bindings define it for imports: parameters
// stay the caller's, results become the caller's (freed with the generated
// `_free` functions).
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps_c_driver.h"

typedef maps_c_driver_string_t str_t;
typedef maps_c_driver_map_string_u32_t map_su32;
typedef maps_c_driver_map_u32_string_t map_u32s;

static str_t s(const char *text) {
    str_t out;
    maps_c_driver_string_set(&out, text);
    return out;
}

static void print_str(const str_t *v) {
    printf("\"%.*s\"", (int)v->len, (const char *)v->ptr);
}

static void print_map_su32(const map_su32 *m) {
    printf("{");
    for (size_t i = 0; i < m->len; i++) {
        if (i) printf(", ");
        print_str(&m->ptr[i].key);
        printf(": %" PRIu32, m->ptr[i].value);
    }
    printf("}");
}

static void print_map_u32s(const map_u32s *m) {
    printf("{");
    for (size_t i = 0; i < m->len; i++) {
        if (i) printf(", ");
        printf("%" PRIu32 ": ", m->ptr[i].key);
        print_str(&m->ptr[i].value);
    }
    printf("}");
}

static void print_strs(const maps_c_driver_list_string_t *l) {
    printf("[");
    for (size_t i = 0; i < l->len; i++) {
        if (i) printf(", ");
        print_str(&l->ptr[i]);
    }
    printf("]");
}

static void print_option_u32(bool some, uint32_t v) {
    if (some) {
        printf("Some(%" PRIu32 ")", v);
    } else {
        printf("None");
    }
}

static void print_option_su32(bool some, const map_su32 *m) {
    if (!some) {
        printf("None");
        return;
    }
    printf("Some(");
    print_map_su32(m);
    printf(")");
}

static void print_option_u8bool(bool some, const maps_c_driver_map_u8_bool_t *m) {
    if (!some) {
        printf("None");
        return;
    }
    printf("Some({");
    for (size_t i = 0; i < m->len; i++) {
        if (i) printf(", ");
        printf("%u: %s", m->ptr[i].key, m->ptr[i].value ? "true" : "false");
    }
    printf("})");
}

// A map of string keys (copied) to u32 values.
static map_su32 strs(size_t n, const char *const *keys, const uint32_t *values) {
    map_su32 m = {NULL, n};
    if (n) m.ptr = malloc(n * sizeof *m.ptr);
    for (size_t i = 0; i < n; i++) {
        maps_c_driver_string_dup(&m.ptr[i].key, keys[i]);
        m.ptr[i].value = values[i];
    }
    return m;
}

static map_u32s nums(size_t n, const uint32_t *keys, const char *const *values) {
    map_u32s m = {NULL, n};
    if (n) m.ptr = malloc(n * sizeof *m.ptr);
    for (size_t i = 0; i < n; i++) {
        m.ptr[i].key = keys[i];
        maps_c_driver_string_dup(&m.ptr[i].value, values[i]);
    }
    return m;
}


bool exports_wasi_cli_run_run(void) {
    map_su32 words;
    str_t text = s("the cat and the hat and the bat");
    meld_test_maps_maps_count_words(&text, &words);
    printf("count-words = ");
    print_map_su32(&words);
    printf("\n");
    map_su32 none;
    str_t blank = s("");
    meld_test_maps_maps_count_words(&blank, &none);
    printf("count-words empty = ");
    print_map_su32(&none);
    printf("\n");
    maps_c_driver_map_string_u32_free(&none);
    printf("total = %" PRIu64 "\n", meld_test_maps_maps_total(&words));
    const char *ab[] = {"a", "b"};
    const uint32_t maxes[] = {UINT32_MAX, UINT32_MAX};
    map_su32 big = strs(2, ab, maxes);
    printf("total big = %" PRIu64 "\n", meld_test_maps_maps_total(&big));
    maps_c_driver_map_string_u32_free(&big);
    map_u32s inverted;
    meld_test_maps_maps_invert(&words, &inverted);
    printf("invert = ");
    print_map_u32s(&inverted);
    printf("\n");
    maps_c_driver_map_u32_string_free(&inverted);

    const uint32_t ak[] = {1, 2, 3};
    const char *av[] = {"one", "two", "three"};
    const uint32_t bk[] = {3, 4};
    const char *bv[] = {"drei", "vier"};
    map_u32s a = nums(3, ak, av), b = nums(2, bk, bv), merged, nothing = {NULL, 0};
    meld_test_maps_maps_merge(&a, &b, &merged);
    printf("merge = ");
    print_map_u32s(&merged);
    printf("\n");
    maps_c_driver_map_u32_string_free(&merged);
    meld_test_maps_maps_merge(&nothing, &nothing, &merged);
    printf("merge empty = ");
    print_map_u32s(&merged);
    printf("\n");
    maps_c_driver_map_u32_string_free(&merged);
    maps_c_driver_map_u32_string_free(&a);
    maps_c_driver_map_u32_string_free(&b);

    map_su32 e;
    meld_test_maps_maps_empty(&e);
    printf("empty = ");
    print_map_su32(&e);
    printf(" (len %zu)\n", e.len);
    uint32_t v = 0;
    str_t cat = s("cat"), dog = s("dog");
    bool found = meld_test_maps_maps_lookup(&words, &cat, &v);
    printf("lookup cat = ");
    print_option_u32(found, v);
    printf("\nlookup dog = ");
    found = meld_test_maps_maps_lookup(&words, &dog, &v);
    print_option_u32(found, v);
    printf("\nlookup in empty = ");
    found = meld_test_maps_maps_lookup(&e, &cat, &v);
    print_option_u32(found, v);
    printf("\n");

    // Items in an order that is not the keys' order.
    const char *ik[] = {"bolts", "nuts", "gears"};
    const uint32_t iv[] = {10, 0, 7};
    str_t shop = s("shop");
    meld_test_maps_maps_inventory_t inv = {s("ada"), strs(3, ik, iv), {&shop, 1}};
    meld_test_maps_maps_inventory_t r;
    meld_test_maps_maps_restock(&inv, 5, &r);
    printf("restock = %.*s ", (int)r.owner.len, (const char *)r.owner.ptr);
    print_map_su32(&r.items);
    printf(" ");
    print_strs(&r.tags);
    printf("\n");
    meld_test_maps_maps_inventory_free(&r);
    meld_test_maps_maps_inventory_t bare = {s(""), {NULL, 0}, {NULL, 0}};
    meld_test_maps_maps_restock(&bare, 5, &r);
    printf("restock empty = [%.*s] ", (int)r.owner.len, (const char *)r.owner.ptr);
    print_map_su32(&r.items);
    printf(" ");
    print_strs(&r.tags);
    printf("\n");
    meld_test_maps_maps_inventory_free(&r);

    const uint32_t mk[] = {0, 1, 2, 7, 10};
    const char *mv[] = {"zero", "one", "two", "seven", "ten"};
    map_u32s mixed = nums(5, mk, mv);
    maps_c_driver_list_map_u32_string_t halves;
    for (int round = 0; round < 2; round++) {
        meld_test_maps_maps_split_by_parity(round ? &nothing : &mixed, &halves);
        printf(round ? "split-by-parity empty = [" : "split-by-parity = [");
        for (size_t i = 0; i < halves.len; i++) {
            if (i) printf(", ");
            print_map_u32s(&halves.ptr[i]);
        }
        printf("]\n");
        maps_c_driver_list_map_u32_string_free(&halves);
    }
    maps_c_driver_map_u32_string_free(&mixed);

    map_su32 many = {malloc(300 * sizeof *many.ptr), 300};
    for (uint32_t i = 0; i < 300; i++) {
        char key[8];
        snprintf(key, sizeof key, "k%03" PRIu32, i);
        maps_c_driver_string_dup(&many.ptr[i].key, key);
        many.ptr[i].value = i;
    }
    const char *xk[] = {"x"};
    const uint32_t xv[] = {1};
    map_su32 x = strs(1, xk, xv);
    map_su32 four[] = {words, e, many, x};
    maps_c_driver_list_map_string_u32_t ms = {four, 4};
    maps_c_driver_list_u32_t sizes;
    meld_test_maps_maps_sizes(&ms, &sizes);
    printf("sizes = [");
    for (size_t i = 0; i < sizes.len; i++) printf(i ? ", %" PRIu32 : "%" PRIu32, sizes.ptr[i]);
    printf("]\n");
    maps_c_driver_list_u32_free(&sizes);
    ms.len = 0;
    meld_test_maps_maps_sizes(&ms, &sizes);
    printf("sizes none = [");
    for (size_t i = 0; i < sizes.len; i++) printf(i ? ", %" PRIu32 : "%" PRIu32, sizes.ptr[i]);
    printf("]\n");
    maps_c_driver_list_u32_free(&sizes);
    printf("total of 300 = %" PRIu64 "\n", meld_test_maps_maps_total(&many));
    maps_c_driver_map_string_u32_free(&many);
    maps_c_driver_map_string_u32_free(&x);

    const char *rk[] = {"rope"};
    const uint32_t rv[] = {3};
    meld_test_maps_maps_inventory_t pair[] = {inv, {s("bob"), strs(1, rk, rv), {NULL, 0}}};
    meld_test_maps_maps_list_inventory_t invs = {pair, 2};
    const char *owners[] = {"bob", "ada", "eve"};
    for (int i = 0; i < 3; i++) {
        str_t owner = s(owners[i]);
        map_su32 items;
        found = meld_test_maps_maps_find_items(&invs, &owner, &items);
        printf("find-items %s = ", owners[i]);
        print_option_su32(found, &items);
        printf("\n");
        if (found) maps_c_driver_map_string_u32_free(&items);
    }
    maps_c_driver_map_string_u32_free(&inv.items);
    maps_c_driver_map_string_u32_free(&pair[1].items);

    maps_c_driver_map_u8_bool_entry_t fe[] = {{0, true}, {1, false}, {255, true}};
    maps_c_driver_map_u8_bool_t flags = {fe, 3}, flags_empty = {NULL, 0}, negated;
    found = meld_test_maps_maps_negate(&flags, &negated);
    printf("negate = ");
    print_option_u8bool(found, &negated);
    if (found) maps_c_driver_map_u8_bool_free(&negated);
    found = meld_test_maps_maps_negate(&flags_empty, &negated);
    printf("\nnegate empty = ");
    print_option_u8bool(found, &negated);
    if (found) maps_c_driver_map_u8_bool_free(&negated);
    found = meld_test_maps_maps_negate(NULL, &negated);
    printf("\nnegate none = ");
    print_option_u8bool(found, &negated);
    printf("\n");

    uint8_t ff[200];
    memset(ff, 0xff, sizeof ff);
    maps_c_driver_map_string_list_u8_entry_t be[] = {
        {s("abc"), {(uint8_t *)"abc", 3}},
        {s("empty"), {NULL, 0}},
        {s("ff"), {ff, sizeof ff}},
    };
    maps_c_driver_map_string_list_u8_t blobs = {be, 3}, out, no_blobs = {NULL, 0};
    meld_test_maps_maps_blobs(&blobs, &out);
    for (size_t i = 0; i < out.len; i++) {
        const maps_c_driver_list_u8_t *bytes = &out.ptr[i].value;
        printf("blobs[%.*s] = len %zu starts [", (int)out.ptr[i].key.len,
               (const char *)out.ptr[i].key.ptr, bytes->len);
        for (size_t k = 0; k < bytes->len && k < 4; k++) printf(k ? ", %u" : "%u", bytes->ptr[k]);
        if (bytes->len) {
            printf("] ends Some(%u)\n", bytes->ptr[bytes->len - 1]);
        } else {
            printf("] ends None\n");
        }
    }
    maps_c_driver_map_string_list_u8_free(&out);
    meld_test_maps_maps_blobs(&no_blobs, &out);
    printf("blobs empty = {");
    for (size_t i = 0; i < out.len; i++) printf("?");
    printf("}\n");
    maps_c_driver_map_string_list_u8_free(&out);

    maps_c_driver_map_char32_s64_entry_t na[] = {{'x', 1}, {'y', -5}, {0x1F600, 100}};
    maps_c_driver_map_char32_s64_entry_t nc[] = {{'z', INT64_MIN}, {'w', 1}};
    maps_c_driver_map_string_map_char32_s64_entry_t ne[] = {
        {s("a"), {na, 3}},
        {s("b"), {NULL, 0}},
        {s("c"), {nc, 2}},
    };
    maps_c_driver_map_string_map_char32_s64_t nested = {ne, 3};
    maps_c_driver_map_string_s64_t sums;
    meld_test_maps_maps_sums(&nested, &sums);
    printf("sums = {");
    for (size_t i = 0; i < sums.len; i++) {
        if (i) printf(", ");
        print_str(&sums.ptr[i].key);
        printf(": %" PRId64, sums.ptr[i].value);
    }
    printf("}\n");
    maps_c_driver_map_string_s64_free(&sums);
    maps_c_driver_map_string_u32_free(&words);
    fflush(stdout);
    return true;
}
