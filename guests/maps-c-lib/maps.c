// Exports `maps` (guests/wit-maps/maps.wit) in C, through the bindings that
// `wit-bindgen c --world maps-lib` generates (scripts/build-fixtures.sh).
// Same results as the Rust maps-lib, so the `maps-c-lib` fixture (the Rust
// maps-driver calling this library) prints what `maps` prints.
//
// Ownership, as wit-bindgen's C bindings define it: every parameter belongs to
// the callee (freed or moved into the result here), every result is allocated
// with malloc and freed by the generated post-return function. A list of length
// zero may carry any pointer: it is never freed or reallocated.
#include <stdlib.h>
#include <string.h>

#include "maps_lib.h"

typedef maps_lib_string_t str_t;

static void *alloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

// Grows an owned byte buffer of `len` bytes to `len + extra` bytes.
static uint8_t *grow(uint8_t *ptr, size_t len, size_t extra) {
    uint8_t *p = len ? realloc(ptr, len + extra) : malloc(len + extra);
    if (!p) abort();
    return p;
}

static void free_list(void *ptr, size_t len) {
    if (len) free(ptr);
}

static str_t str_copy(const uint8_t *p, size_t len) {
    str_t s = {NULL, len};
    if (len) {
        s.ptr = alloc(len);
        memcpy(s.ptr, p, len);
    }
    return s;
}

static bool str_eq(const str_t *a, const str_t *b) {
    return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

// Byte-wise order, as Rust compares strings.
static int str_cmp(const str_t *a, const str_t *b) {
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->ptr, b->ptr, n) : 0;
    if (c) return c;
    return (a->len > b->len) - (a->len < b->len);
}

void exports_meld_test_maps_maps_count_words(str_t *text, maps_lib_map_string_u32_t *ret) {
    // At most one word per two bytes, rounded up.
    maps_lib_map_string_u32_entry_t *out = alloc((text->len / 2 + 1) * sizeof *out);
    size_t n = 0;
    size_t i = 0;
    while (i < text->len) {
        size_t start = i;
        while (i < text->len && text->ptr[i] != ' ') i++;
        if (i > start) {
            str_t w = {text->ptr + start, i - start};
            size_t k = 0;
            while (k < n && !str_eq(&out[k].key, &w)) k++;
            if (k < n) {
                out[k].value++;
            } else {
                out[n].key = str_copy(w.ptr, w.len);
                out[n].value = 1;
                n++;
            }
        }
        i++;
    }
    maps_lib_string_free(text);
    if (n == 0) {
        free(out);
        out = NULL;
    }
    ret->ptr = out;
    ret->len = n;
}

uint64_t exports_meld_test_maps_maps_total(maps_lib_map_string_u32_t *m) {
    uint64_t sum = 0;
    for (size_t i = 0; i < m->len; i++) sum += m->ptr[i].value;
    maps_lib_map_string_u32_free(m);
    return sum;
}

void exports_meld_test_maps_maps_invert(maps_lib_map_string_u32_t *m, maps_lib_map_u32_string_t *ret) {
    maps_lib_map_u32_string_entry_t *out = alloc(m->len * sizeof *out);
    size_t n = 0;
    for (size_t i = 0; i < m->len; i++) {
        str_t key = m->ptr[i].key;
        uint32_t value = m->ptr[i].value;
        size_t k = 0;
        while (k < n && out[k].key != value) k++;
        if (k == n) {
            out[n].key = value;
            out[n].value = key;
            n++;
        } else if (str_cmp(&key, &out[k].value) > 0) {
            // For equal values the greatest key wins.
            maps_lib_string_free(&out[k].value);
            out[k].value = key;
        } else {
            maps_lib_string_free(&key);
        }
    }
    free_list(m->ptr, m->len);
    if (n == 0) {
        free(out);
        out = NULL;
    }
    ret->ptr = out;
    ret->len = n;
}

void exports_meld_test_maps_maps_merge(maps_lib_map_u32_string_t *a, maps_lib_map_u32_string_t *b,
                                       maps_lib_map_u32_string_t *ret) {
    maps_lib_map_u32_string_entry_t *out = alloc((a->len + b->len) * sizeof *out);
    size_t n = 0;
    for (size_t i = 0; i < a->len; i++) out[n++] = a->ptr[i];
    for (size_t i = 0; i < b->len; i++) {
        size_t k = 0;
        while (k < n && out[k].key != b->ptr[i].key) k++;
        if (k < n) {
            maps_lib_string_free(&out[k].value);
            out[k].value = b->ptr[i].value;
        } else {
            out[n++] = b->ptr[i];
        }
    }
    free_list(a->ptr, a->len);
    free_list(b->ptr, b->len);
    if (n == 0) {
        free(out);
        out = NULL;
    }
    ret->ptr = out;
    ret->len = n;
}

void exports_meld_test_maps_maps_empty(maps_lib_map_string_u32_t *ret) {
    ret->ptr = NULL;
    ret->len = 0;
}

bool exports_meld_test_maps_maps_lookup(maps_lib_map_string_u32_t *m, str_t *key, uint32_t *ret) {
    bool found = false;
    for (size_t i = 0; i < m->len && !found; i++) {
        if (str_eq(&m->ptr[i].key, key)) {
            *ret = m->ptr[i].value;
            found = true;
        }
    }
    maps_lib_map_string_u32_free(m);
    maps_lib_string_free(key);
    return found;
}

void exports_meld_test_maps_maps_restock(exports_meld_test_maps_maps_inventory_t *inv, uint32_t amount,
                                         exports_meld_test_maps_maps_inventory_t *ret) {
    for (size_t i = 0; i < inv->items.len; i++) inv->items.ptr[i].value += amount;
    size_t n = inv->tags.len;
    inv->tags.ptr = (str_t *)grow((uint8_t *)inv->tags.ptr, n * sizeof(str_t), sizeof(str_t));
    inv->tags.ptr[n] = str_copy((const uint8_t *)"restocked", 9);
    inv->tags.len = n + 1;
    *ret = *inv;
}

void exports_meld_test_maps_maps_split_by_parity(maps_lib_map_u32_string_t *m,
                                                 maps_lib_list_map_u32_string_t *ret) {
    maps_lib_map_u32_string_t *halves = alloc(2 * sizeof *halves);
    for (int h = 0; h < 2; h++) {
        maps_lib_map_u32_string_entry_t *out = alloc(m->len * sizeof *out);
        size_t n = 0;
        for (size_t i = 0; i < m->len; i++) {
            if (m->ptr[i].key % 2 == (uint32_t)h) out[n++] = m->ptr[i];
        }
        if (n == 0) {
            free(out);
            out = NULL;
        }
        halves[h].ptr = out;
        halves[h].len = n;
    }
    free_list(m->ptr, m->len);
    ret->ptr = halves;
    ret->len = 2;
}

void exports_meld_test_maps_maps_sizes(maps_lib_list_map_string_u32_t *ms, maps_lib_list_u32_t *ret) {
    uint32_t *out = NULL;
    if (ms->len) {
        out = alloc(ms->len * sizeof *out);
        for (size_t i = 0; i < ms->len; i++) out[i] = (uint32_t)ms->ptr[i].len;
    }
    ret->ptr = out;
    ret->len = ms->len;
    maps_lib_list_map_string_u32_free(ms);
}

bool exports_meld_test_maps_maps_find_items(exports_meld_test_maps_maps_list_inventory_t *invs, str_t *owner,
                                            maps_lib_map_string_u32_t *ret) {
    bool found = false;
    for (size_t i = 0; i < invs->len && !found; i++) {
        if (str_eq(&invs->ptr[i].owner, owner)) {
            *ret = invs->ptr[i].items;
            invs->ptr[i].items.ptr = NULL;
            invs->ptr[i].items.len = 0;
            found = true;
        }
    }
    exports_meld_test_maps_maps_list_inventory_free(invs);
    maps_lib_string_free(owner);
    return found;
}

bool exports_meld_test_maps_maps_negate(maps_lib_map_u8_bool_t *maybe_m, maps_lib_map_u8_bool_t *ret) {
    if (!maybe_m) return false;
    for (size_t i = 0; i < maybe_m->len; i++) maybe_m->ptr[i].value = !maybe_m->ptr[i].value;
    *ret = *maybe_m;
    return true;
}

void exports_meld_test_maps_maps_blobs(maps_lib_map_string_list_u8_t *m, maps_lib_map_string_list_u8_t *ret) {
    for (size_t i = 0; i < m->len; i++) {
        maps_lib_list_u8_t *v = &m->ptr[i].value;
        size_t len = v->len;
        for (size_t a = 0, b = len; a + 1 < b; a++, b--) {
            uint8_t t = v->ptr[a];
            v->ptr[a] = v->ptr[b - 1];
            v->ptr[b - 1] = t;
        }
        v->ptr = grow(v->ptr, len, 1);
        v->ptr[len] = (uint8_t)len;
        v->len = len + 1;
    }
    *ret = *m;
}

void exports_meld_test_maps_maps_sums(maps_lib_map_string_map_char32_s64_t *m, maps_lib_map_string_s64_t *ret) {
    maps_lib_map_string_s64_entry_t *out = NULL;
    if (m->len) out = alloc(m->len * sizeof *out);
    for (size_t i = 0; i < m->len; i++) {
        maps_lib_map_char32_s64_t *inner = &m->ptr[i].value;
        // Wrapping, as the Rust library's sum in release.
        uint64_t sum = 0;
        for (size_t k = 0; k < inner->len; k++) sum += (uint64_t)inner->ptr[k].value;
        out[i].key = m->ptr[i].key;
        out[i].value = (int64_t)sum;
        free_list(inner->ptr, inner->len);
    }
    ret->ptr = out;
    ret->len = m->len;
    free_list(m->ptr, m->len);
}
