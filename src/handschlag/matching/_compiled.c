/* The compiled parts of the matching engine: normalising names, domains, streets and VAT ids; codes and
 * blocking keys of normalised texts; candidate pairs (on every processor) and distinct pairs of codes; for
 * the private mode, the hardened Bloom filters. Each gives exactly what the Python code beside it gives
 * (tests compare them). What maintained libraries do is left to them (ADR 0108): string similarity to
 * rapidfuzz, keyed BLAKE2b to hashlib, VAT check digits to python-stdnum.
 *
 * The polars expressions in normalisation.py are the specification; this file does the same steps on
 * Arrow string buffers, one pass per record, without the GIL. Whatever it cannot do exactly (a character
 * outside the folding table, a non-ASCII domain, VAT id or country) it marks as "fallback", and Python
 * normalises those records with the polars expressions. Tests compare both paths on generated and random
 * input.
 *
 * Characters are folded through tables that Python computes once from the polars expressions
 * (``configure``): per code point, its folded ASCII text, or "not handled". Word lists (name
 * replacements, legal-form spellings, multi-label domain suffixes, mail providers) come from
 * vocabulary.py through ``configure`` too, so this file holds no word list of its own.
 *
 * A string column comes as the buffers of an Arrow string_view array (what polars holds, passed without
 * a copy) or large_string array, see ``strings_from_tuple``. Outputs are string_view columns (validity
 * bitmap, views, data) as bytes, an empty result being null, and one status byte per record.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <unistd.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------------- */
/* growable byte buffer and output columns                                                              */

typedef struct {
    char *data;
    size_t length;
    size_t capacity;
} Bytes;

static inline int bytes_reserve(Bytes *buffer, size_t extra) {
    if (buffer->length + extra <= buffer->capacity) {
        return 0;
    }
    size_t capacity = buffer->capacity ? buffer->capacity : 256;
    while (capacity < buffer->length + extra) {
        capacity *= 2;
    }
    char *grown = realloc(buffer->data, capacity);
    if (grown == NULL) {
        return -1;
    }
    buffer->data = grown;
    buffer->capacity = capacity;
    return 0;
}

static inline int bytes_append(Bytes *buffer, const char *text, size_t length) {
    if (bytes_reserve(buffer, length) < 0) {
        return -1;
    }
    memcpy(buffer->data + buffer->length, text, length);
    buffer->length += length;
    return 0;
}

static inline int bytes_push(Bytes *buffer, char character) {
    if (buffer->length >= buffer->capacity && bytes_reserve(buffer, 1) < 0) {
        return -1;
    }
    buffer->data[buffer->length++] = character;
    return 0;
}

static void bytes_free(Bytes *buffer) {
    free(buffer->data);
    buffer->data = NULL;
    buffer->length = buffer->capacity = 0;
}

/* An output column of Arrow string views (16 bytes a row: length, then the text if it fits in 12 bytes,
 * else its first 4 bytes, buffer 0 and the offset in ``data``); an empty text is null. */
typedef struct {
    Bytes data;
    uint8_t *views;
    uint8_t *validity;
    size_t row_start;
} Column;

static int column_init(Column *column, Py_ssize_t count) {
    memset(column, 0, sizeof(*column));
    column->views = calloc((size_t)count + 1, 16);
    column->validity = calloc(((size_t)count + 7) / 8 + 1, 1);
    return (column->views == NULL || column->validity == NULL) ? -1 : 0;
}

/* Row ``row`` ends here: its text is what was appended since the previous row ended. */
static inline void column_end_row(Column *column, Py_ssize_t row) {
    size_t length = column->data.length - column->row_start;
    if (length > 0) {
        uint8_t *view = column->views + (size_t)row * 16;
        int32_t length32 = (int32_t)length;
        const char *text = column->data.data + column->row_start;
        column->validity[row >> 3] |= (uint8_t)(1u << (row & 7));
        memcpy(view, &length32, 4);
        if (length <= 12) {
            memcpy(view + 4, text, length);
            column->data.length = column->row_start; /* inline: the text lives in the view */
        } else {
            int32_t buffer = 0, offset = (int32_t)column->row_start;
            memcpy(view + 4, text, 4);
            memcpy(view + 8, &buffer, 4);
            memcpy(view + 12, &offset, 4);
        }
    }
    column->row_start = column->data.length;
}

static inline int column_append(Column *column, const char *text, size_t length) {
    return bytes_append(&column->data, text, length);
}

static void column_free(Column *column) {
    bytes_free(&column->data);
    free(column->views);
    free(column->validity);
    column->views = NULL;
    column->validity = NULL;
}

/* (validity, views, data) as bytes; the column is freed by the caller */
static PyObject *column_as_tuple(Column *column, Py_ssize_t count) {
    if (column->data.length > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "more than 2 GB of text in one column");
        return NULL;
    }
    return Py_BuildValue(
        "(y#y#y#)", (const char *)column->validity, (Py_ssize_t)((count + 7) / 8),
        (const char *)column->views, (Py_ssize_t)((size_t)count * 16),
        column->data.data ? column->data.data : "", (Py_ssize_t)column->data.length);
}

/* ---------------------------------------------------------------------------------------------------- */
/* input strings: an Arrow large_string array (kind 0) or string_view array (kind 1), as Python passes it:
 * (kind, validity or None, offsets or views, data or a tuple of data buffers, offset)                    */

typedef struct {
    Py_buffer validity;
    Py_buffer index; /* offsets (large_string) or views (string_view) */
    Py_buffer data;  /* large_string */
    Py_buffer *data_buffers; /* string_view */
    const unsigned char **data_pointers;
    Py_ssize_t data_buffer_count;
    int has_validity;
    int is_view;
    Py_ssize_t offset;
} Strings;

static void strings_close(Strings *strings) {
    if (strings->has_validity) {
        PyBuffer_Release(&strings->validity);
    }
    if (strings->index.obj) {
        PyBuffer_Release(&strings->index);
    }
    if (strings->data.obj) {
        PyBuffer_Release(&strings->data);
    }
    for (Py_ssize_t buffer = 0; buffer < strings->data_buffer_count; buffer++) {
        if (strings->data_buffers[buffer].obj) {
            PyBuffer_Release(&strings->data_buffers[buffer]);
        }
    }
    free(strings->data_buffers);
    free(strings->data_pointers);
    strings->data_buffers = NULL;
    strings->data_pointers = NULL;
    strings->data_buffer_count = 0;
}

static int strings_invalid(const char *message) {
    PyErr_SetString(PyExc_ValueError, message);
    return -1;
}

static int strings_from_tuple(Strings *strings, PyObject *tuple, Py_ssize_t count) {
    int kind;
    PyObject *validity, *index, *data;
    Py_ssize_t offset;
    memset(strings, 0, sizeof(*strings));
    if (!PyTuple_Check(tuple) || !PyArg_ParseTuple(tuple, "iOOOn", &kind, &validity, &index, &data, &offset)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "a string column is (kind, validity, index, data, offset)");
        }
        return -1;
    }
    if (count < 0 || offset < 0) {
        return strings_invalid("negative offset or count");
    }
    strings->offset = offset;
    strings->is_view = kind == 1;
    if (validity != Py_None) {
        if (PyObject_GetBuffer(validity, &strings->validity, PyBUF_SIMPLE) < 0) {
            return -1;
        }
        strings->has_validity = 1;
        if (strings->validity.len * 8 < offset + count) {
            return strings_invalid("validity bitmap shorter than the row count");
        }
    }
    if (PyObject_GetBuffer(index, &strings->index, PyBUF_SIMPLE) < 0) {
        return -1;
    }
    if (!strings->is_view) {
        if (PyObject_GetBuffer(data, &strings->data, PyBUF_SIMPLE) < 0) {
            return -1;
        }
        if (strings->index.len < (Py_ssize_t)(((size_t)offset + count + 1) * sizeof(int64_t))) {
            return strings_invalid("string offsets shorter than the row count");
        }
        const int64_t *bounds = (const int64_t *)strings->index.buf;
        for (Py_ssize_t row = offset; row < offset + count; row++) {
            if (bounds[row] < 0 || bounds[row] > bounds[row + 1] || bounds[row + 1] > strings->data.len) {
                return strings_invalid("string offsets point outside the data buffer");
            }
        }
        return 0;
    }
    if (!PyTuple_Check(data)) {
        return strings_invalid("string views need a tuple of data buffers");
    }
    Py_ssize_t buffers = PyTuple_GET_SIZE(data);
    strings->data_buffers = calloc((size_t)buffers + 1, sizeof(Py_buffer));
    strings->data_pointers = calloc((size_t)buffers + 1, sizeof(unsigned char *));
    if (strings->data_buffers == NULL || strings->data_pointers == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t buffer = 0; buffer < buffers; buffer++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(data, buffer), &strings->data_buffers[buffer], PyBUF_SIMPLE) < 0) {
            return -1;
        }
        strings->data_buffer_count = buffer + 1;
        strings->data_pointers[buffer] = (const unsigned char *)strings->data_buffers[buffer].buf;
    }
    if (strings->index.len < (offset + count) * 16) {
        return strings_invalid("string views shorter than the row count");
    }
    const uint8_t *views = (const uint8_t *)strings->index.buf;
    for (Py_ssize_t row = offset; row < offset + count; row++) {
        int32_t length, buffer, position;
        memcpy(&length, views + row * 16, 4);
        if (length < 0) {
            return strings_invalid("negative string length");
        }
        if (length > 12) {
            memcpy(&buffer, views + row * 16 + 8, 4);
            memcpy(&position, views + row * 16 + 12, 4);
            if (buffer < 0 || buffer >= buffers || position < 0 ||
                (Py_ssize_t)position + length > strings->data_buffers[buffer].len) {
                return strings_invalid("a string view points outside its data buffer");
            }
        }
    }
    return 0;
}

/* The text of one row; returns 0 for null. */
static inline int strings_get(const Strings *strings, Py_ssize_t row, const unsigned char **text, size_t *length) {
    Py_ssize_t index = strings->offset + row;
    if (strings->has_validity) {
        const uint8_t *bits = (const uint8_t *)strings->validity.buf;
        if (!((bits[index >> 3] >> (index & 7)) & 1)) {
            return 0;
        }
    }
    if (strings->is_view) {
        const uint8_t *view = (const uint8_t *)strings->index.buf + index * 16;
        int32_t view_length;
        memcpy(&view_length, view, 4);
        *length = (size_t)view_length;
        if (view_length <= 12) {
            *text = view + 4;
        } else {
            int32_t buffer, position;
            memcpy(&buffer, view + 8, 4);
            memcpy(&position, view + 12, 4);
            *text = strings->data_pointers[buffer] + position;
        }
        return 1;
    }
    const int64_t *bounds = (const int64_t *)strings->index.buf;
    *text = (const unsigned char *)strings->data.buf + bounds[index];
    *length = (size_t)(bounds[index + 1] - bounds[index]);
    return 1;
}

/* ---------------------------------------------------------------------------------------------------- */
/* configuration: folding tables and word sets (set once by ``configure``)                             */

typedef struct {
    uint32_t size;       /* code points 0 .. size-1 */
    int32_t *starts;     /* start of each code point's folded text in ``text``, -1 = not handled */
    uint8_t *lengths;
    char *text;
} FoldTable;

typedef struct {
    char **keys;
    size_t *key_lengths;
    char **values; /* NULL for a set */
    size_t *value_lengths;
    size_t slots;  /* power of two */
} WordTable;

static FoldTable fold_names_table;   /* folding with apostrophes and dots dropped (names) */
static FoldTable fold_streets_table; /* folding as for streets */
static WordTable name_replacements;  /* word -> replacement ("" drops the word) */
static WordTable legal_spellings;    /* legal-form spellings, words separated by one space */
static WordTable legal_words;        /* the words of those spellings */
static WordTable multi_label_suffixes;
static WordTable shared_mail_labels;
static int legal_spelling_max_words;
static int configured;

static inline uint64_t hash_bytes(const char *text, size_t length) {
    uint64_t hash = 1469598103934665603ULL;
    for (size_t index = 0; index < length; index++) {
        hash ^= (unsigned char)text[index];
        hash *= 1099511628211ULL;
    }
    return hash;
}

static char *copy_text(const char *text, size_t length) {
    char *copy = malloc(length + 1);
    if (copy != NULL) {
        memcpy(copy, text, length);
        copy[length] = '\0';
    }
    return copy;
}

/* From a dict (str -> str) or a sequence of str (a set). */
static int word_table_build(WordTable *table, PyObject *source) {
    PyObject *items = PyDict_Check(source) ? PyDict_Items(source) : PySequence_List(source);
    if (items == NULL) {
        return -1;
    }
    Py_ssize_t count = PyList_GET_SIZE(items);
    size_t slots = 16;
    while (slots < (size_t)count * 4) {
        slots *= 2;
    }
    table->slots = slots;
    table->keys = calloc(slots, sizeof(char *));
    table->key_lengths = calloc(slots, sizeof(size_t));
    table->values = PyDict_Check(source) ? calloc(slots, sizeof(char *)) : NULL;
    table->value_lengths = calloc(slots, sizeof(size_t));
    if (table->keys == NULL || table->key_lengths == NULL || table->value_lengths == NULL ||
        (PyDict_Check(source) && table->values == NULL)) {
        Py_DECREF(items);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t index = 0; index < count; index++) {
        PyObject *item = PyList_GET_ITEM(items, index);
        PyObject *key = PyTuple_Check(item) ? PyTuple_GET_ITEM(item, 0) : item;
        Py_ssize_t key_length;
        const char *key_text = PyUnicode_AsUTF8AndSize(key, &key_length);
        if (key_text == NULL) {
            Py_DECREF(items);
            return -1;
        }
        size_t slot = hash_bytes(key_text, (size_t)key_length) & (slots - 1);
        while (table->keys[slot] != NULL) {
            if (table->key_lengths[slot] == (size_t)key_length &&
                memcmp(table->keys[slot], key_text, (size_t)key_length) == 0) {
                break;
            }
            slot = (slot + 1) & (slots - 1);
        }
        if (table->keys[slot] == NULL) {
            table->keys[slot] = copy_text(key_text, (size_t)key_length);
            table->key_lengths[slot] = (size_t)key_length;
        }
        if (table->values != NULL) {
            Py_ssize_t value_length;
            const char *value_text = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(item, 1), &value_length);
            if (value_text == NULL) {
                Py_DECREF(items);
                return -1;
            }
            free(table->values[slot]);
            table->values[slot] = copy_text(value_text, (size_t)value_length);
            table->value_lengths[slot] = (size_t)value_length;
        }
    }
    Py_DECREF(items);
    return 0;
}

/* The slot of a key, or -1. */
static inline long word_table_find(const WordTable *table, const char *text, size_t length) {
    size_t slot = hash_bytes(text, length) & (table->slots - 1);
    while (table->keys[slot] != NULL) {
        if (table->key_lengths[slot] == length && memcmp(table->keys[slot], text, length) == 0) {
            return (long)slot;
        }
        slot = (slot + 1) & (table->slots - 1);
    }
    return -1;
}

/* A list with one entry per code point: bytes (the folded ASCII text) or None (not handled). */
static int fold_table_build(FoldTable *table, PyObject *entries) {
    PyObject *list = PySequence_List(entries);
    if (list == NULL) {
        return -1;
    }
    Py_ssize_t size = PyList_GET_SIZE(list);
    Bytes text = {0};
    table->size = (uint32_t)size;
    table->starts = malloc((size_t)size * sizeof(int32_t));
    table->lengths = malloc((size_t)size);
    if (table->starts == NULL || table->lengths == NULL) {
        Py_DECREF(list);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t code_point = 0; code_point < size; code_point++) {
        PyObject *entry = PyList_GET_ITEM(list, code_point);
        if (entry == Py_None) {
            table->starts[code_point] = -1;
            table->lengths[code_point] = 0;
            continue;
        }
        char *folded;
        Py_ssize_t length;
        if (PyBytes_AsStringAndSize(entry, &folded, &length) < 0 || length > 255) {
            Py_DECREF(list);
            bytes_free(&text);
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ValueError, "a folded character is longer than 255 bytes");
            }
            return -1;
        }
        table->starts[code_point] = (int32_t)text.length;
        table->lengths[code_point] = (uint8_t)length;
        if (bytes_append(&text, folded, (size_t)length) < 0) {
            Py_DECREF(list);
            bytes_free(&text);
            PyErr_NoMemory();
            return -1;
        }
    }
    table->text = text.data ? text.data : calloc(1, 1);
    Py_DECREF(list);
    return 0;
}

static PyObject *configure(PyObject *self, PyObject *args) {
    PyObject *fold_names, *fold_streets, *replacements, *spellings, *spelling_words, *suffixes, *mail_labels;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOOOOOO", &fold_names, &fold_streets, &replacements, &spellings,
                          &spelling_words, &suffixes, &mail_labels)) {
        return NULL;
    }
    if (configured) {
        Py_RETURN_NONE; /* the word lists are constants of the package: the first configuration stays */
    }
    if (fold_table_build(&fold_names_table, fold_names) < 0 ||
        fold_table_build(&fold_streets_table, fold_streets) < 0 ||
        word_table_build(&name_replacements, replacements) < 0 ||
        word_table_build(&legal_spellings, spellings) < 0 || word_table_build(&legal_words, spelling_words) < 0 ||
        word_table_build(&multi_label_suffixes, suffixes) < 0 ||
        word_table_build(&shared_mail_labels, mail_labels) < 0) {
        return NULL;
    }
    legal_spelling_max_words = 1;
    for (size_t slot = 0; slot < legal_spellings.slots; slot++) {
        if (legal_spellings.keys[slot] != NULL) {
            int words = 1;
            for (size_t index = 0; index < legal_spellings.key_lengths[slot]; index++) {
                words += legal_spellings.keys[slot][index] == ' ';
            }
            if (words > legal_spelling_max_words) {
                legal_spelling_max_words = words;
            }
        }
    }
    configured = 1;
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------------------------------------------- */
/* character steps                                                                                      */

static int is_digit(unsigned char character) { return character >= '0' && character <= '9'; }
static int is_lower(unsigned char character) { return character >= 'a' && character <= 'z'; }
static int is_alnum(unsigned char character) { return is_digit(character) || is_lower(character); }

/* Decode one UTF-8 code point (the input is valid UTF-8: Arrow checked it). */
static uint32_t next_code_point(const unsigned char *text, size_t length, size_t *position) {
    unsigned char first = text[*position];
    if (first < 0x80) {
        (*position)++;
        return first;
    }
    int extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : 1;
    uint32_t code_point = first & (0x3F >> extra);
    size_t index = *position + 1;
    for (int step = 0; step < extra && index < length; step++, index++) {
        code_point = (code_point << 6) | (text[index] & 0x3F);
    }
    *position = index;
    return code_point;
}

/* Folded letters (without the final "ae/oe/ue" step) into ``out``; returns 0 if a character is not handled. */
static int fold(const FoldTable *table, const unsigned char *text, size_t length, Bytes *out) {
    out->length = 0;
    if (bytes_reserve(out, length * 2 + 16) < 0) {
        return -1;
    }
    size_t position = 0;
    while (position < length) {
        uint32_t code_point = text[position] < 0x80 ? text[position++] : next_code_point(text, length, &position);
        if (code_point >= table->size || table->starts[code_point] < 0) {
            return 0;
        }
        size_t folded_length = table->lengths[code_point];
        if (out->length + folded_length > out->capacity && bytes_reserve(out, folded_length + length) < 0) {
            return -1;
        }
        const char *folded = table->text + table->starts[code_point];
        for (size_t index = 0; index < folded_length; index++) {
            out->data[out->length++] = folded[index];
        }
    }
    return 1;
}

/* "([aou])e+" -> "$1", in place */
static void collapse_vowel_e(Bytes *text) {
    size_t write = 0;
    for (size_t read = 0; read < text->length;) {
        char character = text->data[read++];
        text->data[write++] = character;
        if ((character == 'a' || character == 'o' || character == 'u') && read < text->length &&
            text->data[read] == 'e') {
            while (read < text->length && text->data[read] == 'e') {
                read++;
            }
        }
    }
    text->length = write;
}

/* Runs of characters outside [a-z0-9] (and outside ``keep``) -> one space, in place; then the
 * characters in ``strip`` removed from both ends. */
static void words_in_place(Bytes *text, const char *keep, const char *strip) {
    size_t write = 0;
    int in_gap = 0;
    for (size_t read = 0; read < text->length; read++) {
        unsigned char character = (unsigned char)text->data[read];
        if (is_alnum(character) || (keep != NULL && character != '\0' && strchr(keep, character) != NULL)) {
            text->data[write++] = (char)character;
            in_gap = 0;
        } else if (!in_gap) {
            text->data[write++] = ' ';
            in_gap = 1;
        }
    }
    size_t start = 0;
    while (start < write && strchr(strip, text->data[start]) != NULL) {
        start++;
    }
    while (write > start && strchr(strip, text->data[write - 1]) != NULL) {
        write--;
    }
    memmove(text->data, text->data + start, write - start);
    text->length = write - start;
}

/* ---------------------------------------------------------------------------------------------------- */
/* names                                                                                                */

typedef struct {
    const char *start;
    size_t length;
} Word;

typedef struct {
    Word *words;
    size_t count;
    size_t capacity;
} Words;

static int words_push(Words *words, const char *start, size_t length) {
    if (words->count == words->capacity) {
        size_t capacity = words->capacity ? words->capacity * 2 : 16;
        Word *grown = realloc(words->words, capacity * sizeof(Word));
        if (grown == NULL) {
            return -1;
        }
        words->words = grown;
        words->capacity = capacity;
    }
    words->words[words->count].start = start;
    words->words[words->count].length = length;
    words->count++;
    return 0;
}

/* Split single-space-separated text into words (pointing into ``text``). */
static int split_words(const char *text, size_t length, Words *words) {
    size_t start = 0;
    for (size_t index = 0; index <= length; index++) {
        if (index == length || text[index] == ' ') {
            if (index > start && words_push(words, text + start, index - start) < 0) {
                return -1;
            }
            start = index + 1;
        }
    }
    return 0;
}

typedef struct {
    Bytes folded;
    Bytes replaced;
    Bytes joined;
    Words words;
    Words replaced_words;
    unsigned char *segmentable;
    size_t segmentable_capacity;
} NameScratch;

static void name_scratch_free(NameScratch *scratch) {
    bytes_free(&scratch->folded);
    bytes_free(&scratch->replaced);
    bytes_free(&scratch->joined);
    free(scratch->words.words);
    free(scratch->replaced_words.words);
    free(scratch->segmentable);
}

/* Whether words[first .. first+count) joined by spaces is a legal-form spelling. */
static int is_legal_spelling(NameScratch *scratch, const Words *words, size_t first, size_t count) {
    scratch->joined.length = 0;
    for (size_t index = first; index < first + count; index++) {
        if (index > first && bytes_push(&scratch->joined, ' ') < 0) {
            return -1;
        }
        if (bytes_append(&scratch->joined, words->words[index].start, words->words[index].length) < 0) {
            return -1;
        }
    }
    return word_table_find(&legal_spellings, scratch->joined.data, scratch->joined.length) >= 0;
}

/* One name -> name_core and the legal-form suffix (words without spaces, not yet made canonical).
 * Returns 1 when done, 0 when a character is not handled, -1 on memory errors. */
static int normalise_one_name(NameScratch *scratch, const unsigned char *text, size_t length, Column *core,
                              Column *suffix) {
    int handled = fold(&fold_names_table, text, length, &scratch->folded);
    if (handled <= 0) {
        return handled;
    }
    collapse_vowel_e(&scratch->folded);
    words_in_place(&scratch->folded, NULL, " ");
    /* whole words replaced (abbreviations) or dropped (stop words) */
    scratch->words.count = 0;
    if (split_words(scratch->folded.data, scratch->folded.length, &scratch->words) < 0) {
        return -1;
    }
    scratch->replaced.length = 0;
    for (size_t index = 0; index < scratch->words.count; index++) {
        Word word = scratch->words.words[index];
        long slot = word_table_find(&name_replacements, word.start, word.length);
        const char *text_out = word.start;
        size_t length_out = word.length;
        if (slot >= 0) {
            text_out = name_replacements.values[slot];
            length_out = name_replacements.value_lengths[slot];
        }
        if (length_out == 0) {
            continue;
        }
        if (scratch->replaced.length > 0 && bytes_push(&scratch->replaced, ' ') < 0) {
            return -1;
        }
        if (bytes_append(&scratch->replaced, text_out, length_out) < 0) {
            return -1;
        }
    }
    Words *words = &scratch->replaced_words;
    words->count = 0;
    if (split_words(scratch->replaced.data, scratch->replaced.length, words) < 0) {
        return -1;
    }
    size_t count = words->count;
    /* the legal-form suffix: the leftmost word from which the rest is a sequence of spellings */
    if (scratch->segmentable_capacity < count + 1) {
        unsigned char *grown = realloc(scratch->segmentable, count + 1);
        if (grown == NULL) {
            return -1;
        }
        scratch->segmentable = grown;
        scratch->segmentable_capacity = count + 1;
    }
    /* only a tail of legal-form words can be a sequence of spellings */
    size_t tail = count;
    while (tail > 0 && word_table_find(&legal_words, words->words[tail - 1].start, words->words[tail - 1].length) >= 0) {
        tail--;
    }
    scratch->segmentable[count] = 1;
    for (size_t first = count; first-- > tail;) {
        scratch->segmentable[first] = 0;
        for (size_t taken = 1; taken <= (size_t)legal_spelling_max_words && first + taken <= count; taken++) {
            if (!scratch->segmentable[first + taken]) {
                continue;
            }
            int found = is_legal_spelling(scratch, words, first, taken);
            if (found < 0) {
                return -1;
            }
            if (found) {
                scratch->segmentable[first] = 1;
                break;
            }
        }
    }
    size_t suffix_start = count;
    for (size_t first = tail; first < count; first++) {
        if (scratch->segmentable[first]) {
            suffix_start = first;
            break;
        }
    }
    size_t core_end = suffix_start == 0 ? count : suffix_start; /* a name that is only a legal form keeps it */
    for (size_t index = 0; index < core_end; index++) {
        if (index > 0 && bytes_push(&core->data, ' ') < 0) {
            return -1;
        }
        if (column_append(core, words->words[index].start, words->words[index].length) < 0) {
            return -1;
        }
    }
    for (size_t index = suffix_start; index < count; index++) {
        if (column_append(suffix, words->words[index].start, words->words[index].length) < 0) {
            return -1;
        }
    }
    return 1;
}

/* ---------------------------------------------------------------------------------------------------- */
/* domains                                                                                              */

static int is_space_ascii(unsigned char character) {
    return character == ' ' || (character >= 9 && character <= 13);
}

/* One domain (ASCII) -> registrable domain and its company label; nothing when unusable. */
static int normalise_one_domain(Bytes *scratch, const unsigned char *text, size_t length, Column *host_out,
                                Column *label_out) {
    scratch->length = 0;
    for (size_t index = 0; index < length; index++) {
        unsigned char character = text[index];
        if (character >= 0x80) {
            return 0;
        }
        if (is_space_ascii(character)) {
            continue;
        }
        if (character >= 'A' && character <= 'Z') {
            character = (unsigned char)(character - 'A' + 'a');
        }
        if (bytes_push(scratch, (char)character) < 0) {
            return -1;
        }
    }
    const char *host = scratch->data;
    size_t size = scratch->length;
    /* scheme or mailto: */
    if (size >= 7 && memcmp(host, "mailto:", 7) == 0) {
        host += 7;
        size -= 7;
    } else if (size > 0 && is_lower((unsigned char)host[0])) {
        size_t end = 1;
        while (end < size && (is_alnum((unsigned char)host[end]) || host[end] == '+' || host[end] == '.' ||
                              host[end] == '-')) {
            end++;
        }
        if (end + 3 <= size && memcmp(host + end, "://", 3) == 0) {
            host += end + 3;
            size -= end + 3;
        }
    }
    /* mailbox: up to the last "@" before the first of "/?#" */
    size_t path_start = 0;
    while (path_start < size && host[path_start] != '/' && host[path_start] != '?' && host[path_start] != '#') {
        path_start++;
    }
    for (size_t index = path_start; index-- > 0;) {
        if (host[index] == '@') {
            host += index + 1;
            size -= index + 1;
            break;
        }
    }
    /* path, query, port */
    for (size_t index = 0; index < size; index++) {
        char character = host[index];
        if (character == '/' || character == '?' || character == '#' || character == '\\' || character == ':') {
            size = index;
            break;
        }
    }
    while (size > 0 && host[0] == '.') {
        host++;
        size--;
    }
    while (size > 0 && host[size - 1] == '.') {
        size--;
    }
    if (size >= 3 && memcmp(host, "www", 3) == 0) {
        size_t end = 3;
        while (end < size && is_digit((unsigned char)host[end])) {
            end++;
        }
        if (end < size && host[end] == '.') {
            host += end + 1;
            size -= end + 1;
        }
    }
    /* valid: a letter or digit first, letters, digits, dots and hyphens, a last label of 2+ letters */
    if (size == 0 || !is_alnum((unsigned char)host[0])) {
        return 1;
    }
    size_t last_dot = size;
    for (size_t index = 0; index < size; index++) {
        unsigned char character = (unsigned char)host[index];
        if (!(is_alnum(character) || character == '.' || character == '-')) {
            return 1;
        }
        if (character == '.') {
            last_dot = index;
        }
    }
    if (last_dot == size || size - last_dot - 1 < 2) {
        return 1;
    }
    for (size_t index = last_dot + 1; index < size; index++) {
        if (!is_lower((unsigned char)host[index])) {
            return 1;
        }
    }
    /* registrable domain: the last two labels, three under a multi-label suffix */
    size_t dots[3];
    int dot_count = 0;
    for (size_t index = size; index-- > 0 && dot_count < 3;) {
        if (host[index] == '.') {
            dots[dot_count++] = index;
        }
    }
    size_t start_two = dot_count >= 2 ? dots[1] + 1 : 0;
    size_t start = start_two;
    if (dot_count >= 2 && word_table_find(&multi_label_suffixes, host + start_two, size - start_two) >= 0) {
        start = dot_count >= 3 ? dots[2] + 1 : 0;
    }
    const char *registrable = host + start;
    size_t registrable_size = size - start;
    size_t label_size = 0;
    while (label_size < registrable_size && registrable[label_size] != '.') {
        label_size++;
    }
    if (label_size == 0 || word_table_find(&shared_mail_labels, registrable, label_size) >= 0) {
        return 1;
    }
    if (column_append(host_out, registrable, registrable_size) < 0 ||
        column_append(label_out, registrable, label_size) < 0) {
        return -1;
    }
    return 1;
}

/* ---------------------------------------------------------------------------------------------------- */
/* streets                                                                                              */

/* House number "\d+ ?[a-z]?(?: ?[-/] ?\d+ ?[a-z]?)?" from text[position], as a backtracking regex tries it
 * (optional parts taken first): the end of the first match that ends at the end of the text
 * (``at_end``) or before a space, or -1. The steps: 0 digits, 1 space?, 2 letter?, 3 the optional range:
 * 4 space?, 5 "-" or "/", 6 space?, 7 digits, 8 space?, 9 letter?; 10 the end. A run of digits is taken
 * whole: a shorter one would leave a digit where nothing after it can match. */
static long house_number_step(const char *text, size_t length, size_t position, int step, int at_end) {
    long found;
    switch (step) {
    case 0:
    case 7: {
        size_t end = position;
        while (end < length && is_digit((unsigned char)text[end])) {
            end++;
        }
        return end == position ? -1 : house_number_step(text, length, end, step + 1, at_end);
    }
    case 1:
    case 4:
    case 6:
    case 8:
    case 2:
    case 9: {
        int wanted = (step == 2 || step == 9) ? (position < length && is_lower((unsigned char)text[position]))
                                              : (position < length && text[position] == ' ');
        if (wanted && (found = house_number_step(text, length, position + 1, step + 1, at_end)) >= 0) {
            return found;
        }
        return house_number_step(text, length, position, step + 1, at_end);
    }
    case 3:
        if ((found = house_number_step(text, length, position, 4, at_end)) >= 0) {
            return found;
        }
        return house_number_step(text, length, position, 10, at_end);
    case 5:
        if (position < length && (text[position] == '-' || text[position] == '/')) {
            return house_number_step(text, length, position + 1, 6, at_end);
        }
        return -1;
    default:
        if (at_end ? position == length : (position < length && text[position] == ' ')) {
            return (long)position;
        }
        return -1;
    }
}

static long house_number_match(const char *text, size_t length, int at_end) {
    return house_number_step(text, length, 0, 0, at_end);
}

typedef struct {
    Bytes folded;
    Bytes words;
    Bytes rest;
} StreetScratch;

static void street_scratch_free(StreetScratch *scratch) {
    bytes_free(&scratch->folded);
    bytes_free(&scratch->words);
    bytes_free(&scratch->rest);
}

static int normalise_one_street(StreetScratch *scratch, const unsigned char *text, size_t length,
                                Column *street_out, Column *number_out) {
    int handled = fold(&fold_streets_table, text, length, &scratch->folded);
    if (handled <= 0) {
        return handled;
    }
    collapse_vowel_e(&scratch->folded);
    words_in_place(&scratch->folded, "/-", "");
    /* "(\d) ?- ?(\d)" -> "$1-$2" */
    Bytes *words = &scratch->words;
    words->length = 0;
    if (bytes_push(words, ' ') < 0) {
        return -1;
    }
    const char *folded = scratch->folded.data;
    size_t size = scratch->folded.length;
    for (size_t index = 0; index < size;) {
        if (is_digit((unsigned char)folded[index])) {
            size_t dash = index + 1;
            if (dash + 1 < size && folded[dash] == ' ' && folded[dash + 1] == '-') {
                dash++;
            }
            if (dash < size && folded[dash] == '-') {
                size_t digit = dash + 1;
                if (digit + 1 < size && folded[digit] == ' ' && is_digit((unsigned char)folded[digit + 1])) {
                    digit++;
                }
                if (digit < size && is_digit((unsigned char)folded[digit])) {
                    char replacement[3] = {folded[index], '-', folded[digit]};
                    if (bytes_append(words, replacement, 3) < 0) {
                        return -1;
                    }
                    index = digit + 1;
                    continue;
                }
            }
        }
        if (bytes_push(words, folded[index]) < 0) {
            return -1;
        }
        index++;
    }
    /* strip " -/" (after the leading space we added) */
    size_t start = 1, end = words->length;
    while (start < end && strchr(" -/", words->data[start]) != NULL) {
        start++;
    }
    while (end > start && strchr(" -/", words->data[end - 1]) != NULL) {
        end--;
    }
    memmove(words->data + 1, words->data + start, end - start);
    words->length = 1 + end - start;
    const char *spaced = words->data;
    size = words->length;
    /* house number: trailing (" (HN)$", leftmost), else leading ("^ (HN) ") */
    const char *rest = spaced;
    size_t rest_size = size;
    const char *number = NULL;
    size_t number_size = 0;
    for (size_t space = 0; space < size; space++) {
        if (spaced[space] == ' ' && house_number_match(spaced + space + 1, size - space - 1, 1) >= 0) {
            number = spaced + space + 1;
            number_size = size - space - 1;
            rest_size = space;
            break;
        }
    }
    if (number == NULL) {
        long leading = house_number_match(spaced + 1, size - 1, 0);
        if (leading >= 0) {
            number = spaced + 1;
            number_size = (size_t)leading;
            rest = spaced + 1 + leading + 1;
            rest_size = size - 1 - (size_t)leading - 1;
        }
    }
    for (size_t index = 0; index < number_size; index++) {
        if (number[index] != ' ' && bytes_push(&number_out->data, number[index]) < 0) {
            return -1;
        }
    }
    /* street name: "strasse|str\b" -> "str", only letters and digits, "([aou])e+" -> "$1" */
    Bytes *name = &scratch->rest;
    name->length = 0;
    for (size_t index = 0; index < rest_size;) {
        if (index + 7 <= rest_size && memcmp(rest + index, "strasse", 7) == 0) {
            if (bytes_append(name, "str", 3) < 0) {
                return -1;
            }
            index += 7;
            continue;
        }
        if (index + 3 <= rest_size && memcmp(rest + index, "str", 3) == 0 &&
            (index + 3 == rest_size || !is_alnum((unsigned char)rest[index + 3]))) {
            if (bytes_append(name, "str", 3) < 0) {
                return -1;
            }
            index += 3;
            continue;
        }
        if (is_alnum((unsigned char)rest[index]) && bytes_push(name, rest[index]) < 0) {
            return -1;
        }
        index++;
    }
    collapse_vowel_e(name);
    if (column_append(street_out, name->data, name->length) < 0) {
        return -1;
    }
    return 1;
}

/* ---------------------------------------------------------------------------------------------------- */
/* VAT ids                                                                                              */

enum { VAT_NONE = 0, VAT_CHECK = 2, VAT_FALLBACK = 3 };

static int normalise_one_vat_id(Bytes *scratch, const unsigned char *text, size_t length,
                                const unsigned char *country, size_t country_length, Column *out,
                                uint8_t *status) {
    /* upper case, only letters and digits; a bare number takes the country's prefix (GR -> EL) */
    scratch->length = 0;
    if (bytes_reserve(scratch, length + 2) < 0) {
        return -1;
    }
    scratch->length = 2;
    for (size_t index = 0; index < length; index++) {
        unsigned char character = text[index];
        if (character >= 0x80) {
            *status = VAT_FALLBACK;
            return 1;
        }
        if (character >= 'a' && character <= 'z') {
            character = (unsigned char)(character - 'a' + 'A');
        }
        if (is_digit(character) || (character >= 'A' && character <= 'Z')) {
            scratch->data[scratch->length++] = (char)character;
        }
    }
    if (scratch->length == 2) {
        *status = VAT_NONE;
        return 1;
    }
    const char *compact = scratch->data + 2;
    size_t compact_length = scratch->length - 2;
    if (is_digit((unsigned char)compact[0]) && country != NULL && country_length == 2 && country[0] >= 'A' &&
        country[0] <= 'Z' && country[1] >= 'A' && country[1] <= 'Z') {
        int greek = country[0] == 'G' && country[1] == 'R';
        scratch->data[0] = greek ? 'E' : (char)country[0];
        scratch->data[1] = greek ? 'L' : (char)country[1];
        compact = scratch->data;
        compact_length += 2;
    }
    *status = VAT_CHECK; /* check digits: python-stdnum, in Python (normalisation.vat_ids_valid) */
    return column_append(out, compact, compact_length) < 0 ? -1 : 1;
}

/* ---------------------------------------------------------------------------------------------------- */
/* the module's functions                                                                               */

typedef int (*TwoColumnNormaliser)(void *scratch, const unsigned char *text, size_t length, Column *first,
                                   Column *second);

static int name_adapter(void *scratch, const unsigned char *text, size_t length, Column *first,
                        Column *second) {
    return normalise_one_name((NameScratch *)scratch, text, length, first, second);
}

static int domain_adapter(void *scratch, const unsigned char *text, size_t length, Column *first,
                          Column *second) {
    return normalise_one_domain((Bytes *)scratch, text, length, first, second);
}

static int street_adapter(void *scratch, const unsigned char *text, size_t length, Column *first,
                          Column *second) {
    return normalise_one_street((StreetScratch *)scratch, text, length, first, second);
}

/* Run a two-column normaliser over all rows; returns (first column, second column, fallback bytes). */
static PyObject *run_two_columns(PyObject *args, TwoColumnNormaliser normaliser, void *scratch) {
    PyObject *column;
    Py_ssize_t count;
    if (!PyArg_ParseTuple(args, "O!n", &PyTuple_Type, &column, &count)) {
        return NULL;
    }
    if (!configured) {
        PyErr_SetString(PyExc_RuntimeError, "configure() was not called");
        return NULL;
    }
    Strings strings;
    if (strings_from_tuple(&strings, column, count) < 0) {
        strings_close(&strings);
        return NULL;
    }
    Column first, second;
    uint8_t *fallback = calloc((size_t)count + 1, 1);
    int failed = column_init(&first, count) < 0 || column_init(&second, count) < 0 || fallback == NULL;
    if (!failed) {
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t row = 0; row < count && !failed; row++) {
            const unsigned char *text;
            size_t length;
            if (strings_get(&strings, row, &text, &length)) {
                size_t first_mark = first.data.length, second_mark = second.data.length;
                int result = normaliser(scratch, text, length, &first, &second);
                if (result < 0) {
                    failed = 1;
                } else if (result == 0) {
                    fallback[row] = 1;
                    first.data.length = first_mark;
                    second.data.length = second_mark;
                }
            }
            column_end_row(&first, row);
            column_end_row(&second, row);
        }
        Py_END_ALLOW_THREADS
    }
    strings_close(&strings);
    PyObject *result = NULL;
    if (failed) {
        PyErr_NoMemory();
    } else {
        PyObject *first_tuple = column_as_tuple(&first, count);
        PyObject *second_tuple = column_as_tuple(&second, count);
        if (first_tuple != NULL && second_tuple != NULL) {
            result = Py_BuildValue("(OOy#)", first_tuple, second_tuple, (const char *)fallback, count);
        }
        Py_XDECREF(first_tuple);
        Py_XDECREF(second_tuple);
    }
    column_free(&first);
    column_free(&second);
    free(fallback);
    return result;
}

static PyObject *names(PyObject *self, PyObject *args) {
    NameScratch scratch;
    (void)self;
    memset(&scratch, 0, sizeof(scratch));
    PyObject *result = run_two_columns(args, name_adapter, &scratch);
    name_scratch_free(&scratch);
    return result;
}

static PyObject *domains(PyObject *self, PyObject *args) {
    Bytes scratch = {0};
    (void)self;
    PyObject *result = run_two_columns(args, domain_adapter, &scratch);
    bytes_free(&scratch);
    return result;
}

static PyObject *streets(PyObject *self, PyObject *args) {
    StreetScratch scratch;
    (void)self;
    memset(&scratch, 0, sizeof(scratch));
    PyObject *result = run_two_columns(args, street_adapter, &scratch);
    street_scratch_free(&scratch);
    return result;
}

static PyObject *vat_ids(PyObject *self, PyObject *args) {
    PyObject *column, *country_column;
    Py_ssize_t count;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!O!n", &PyTuple_Type, &column, &PyTuple_Type, &country_column, &count)) {
        return NULL;
    }
    Strings strings, countries;
    memset(&countries, 0, sizeof(countries));
    if (strings_from_tuple(&strings, column, count) < 0 ||
        strings_from_tuple(&countries, country_column, count) < 0) {
        strings_close(&strings);
        strings_close(&countries);
        return NULL;
    }
    Column out;
    Bytes scratch = {0};
    uint8_t *status = calloc((size_t)count + 1, 1);
    int failed = column_init(&out, count) < 0 || status == NULL;
    if (!failed) {
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t row = 0; row < count && !failed; row++) {
            const unsigned char *text, *country = NULL;
            size_t length, country_length = 0;
            if (strings_get(&strings, row, &text, &length)) {
                if (!strings_get(&countries, row, &country, &country_length)) {
                    country = NULL;
                }
                if (normalise_one_vat_id(&scratch, text, length, country, country_length, &out, &status[row]) < 0) {
                    failed = 1;
                }
            }
            column_end_row(&out, row);
        }
        Py_END_ALLOW_THREADS
    }
    strings_close(&strings);
    strings_close(&countries);
    PyObject *result = NULL;
    if (failed) {
        PyErr_NoMemory();
    } else {
        PyObject *tuple = column_as_tuple(&out, count);
        if (tuple != NULL) {
            result = Py_BuildValue("(Oy#)", tuple, (const char *)status, count);
        }
        Py_XDECREF(tuple);
    }
    column_free(&out);
    bytes_free(&scratch);
    free(status);
    return result;
}

/* ---------------------------------------------------------------------------------------------------- */
/* 64-bit codes of texts and blocking keys (matching in the clear)                                      */

/* FNV-1a, then the MurmurHash3 finaliser for well-spread bits; ``seed`` separates kinds of keys. */
static inline uint64_t text_hash(uint64_t seed, const unsigned char *text, size_t length) {
    uint64_t hash = 1469598103934665603ULL ^ (seed * 0x9E3779B97F4A7C15ULL);
    for (size_t index = 0; index < length; index++) {
        hash ^= text[index];
        hash *= 1099511628211ULL;
    }
    hash ^= hash >> 33;
    hash *= 0xFF51AFD7ED558CCDULL;
    hash ^= hash >> 33;
    hash *= 0xC4CEB9FE1A85EC53ULL;
    hash ^= hash >> 33;
    return hash ? hash : 1;
}

static inline uint64_t hash_continue(uint64_t hash, const unsigned char *text, size_t length) {
    for (size_t index = 0; index < length; index++) {
        hash ^= text[index];
        hash *= 1099511628211ULL;
    }
    return hash;
}

static inline uint64_t hash_finish(uint64_t hash) {
    hash ^= hash >> 33;
    hash *= 0xFF51AFD7ED558CCDULL;
    hash ^= hash >> 33;
    hash *= 0xC4CEB9FE1A85EC53ULL;
    hash ^= hash >> 33;
    return hash ? hash : 1;
}

/* hash_strings(column, count) -> uint64 codes as bytes; 0 for null or empty */
static PyObject *hash_strings(PyObject *self, PyObject *args) {
    PyObject *column;
    Py_ssize_t count;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!n", &PyTuple_Type, &column, &count)) {
        return NULL;
    }
    Strings strings;
    if (strings_from_tuple(&strings, column, count) < 0) {
        strings_close(&strings);
        return NULL;
    }
    PyObject *result = PyBytes_FromStringAndSize(NULL, count * (Py_ssize_t)sizeof(uint64_t));
    if (result != NULL) {
        uint64_t *codes = (uint64_t *)PyBytes_AS_STRING(result);
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t row = 0; row < count; row++) {
            const unsigned char *text;
            size_t length;
            codes[row] = (strings_get(&strings, row, &text, &length) && length > 0) ? text_hash(0, text, length) : 0;
        }
        Py_END_ALLOW_THREADS
    }
    strings_close(&strings);
    return result;
}

/* Bytes of the first ``characters`` UTF-8 characters of a text. */
static size_t utf8_prefix(const unsigned char *text, size_t length, size_t characters) {
    size_t position = 0;
    while (position < length && characters > 0) {
        position++;
        while (position < length && (text[position] & 0xC0) == 0x80) {
            position++;
        }
        characters--;
    }
    return position;
}

enum { KEY_FIELDS = 7, KEY_COUNT = 6 };
enum { F_NAME, F_DOMAIN_LABEL, F_VAT, F_POSTAL, F_CITY_KEY, F_STREET, F_HOUSE };

/* blocking_keys(7 columns (name_core, domain_label, vat_id, postal_code, city_key, street_name,
 * house_number), count) -> (count x 6) uint64 keys as bytes, row-major; 0 = no key. The keys are those of
 * blocking.BLOCKING_KEY_EXPRESSIONS, in that order: domain, vat_id, postal code + first 3 characters of the
 * name's first word, city key + first word, postal code (else city key) + 8 characters of the street +
 * house number, whole name. */
static PyObject *blocking_keys(PyObject *self, PyObject *args) {
    PyObject *columns;
    Py_ssize_t count;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!n", &PyTuple_Type, &columns, &count)) {
        return NULL;
    }
    if (PyTuple_GET_SIZE(columns) != KEY_FIELDS || count < 0) {
        PyErr_SetString(PyExc_ValueError, "blocking_keys needs 7 columns and a count");
        return NULL;
    }
    Strings fields[KEY_FIELDS];
    memset(fields, 0, sizeof(fields));
    for (int field = 0; field < KEY_FIELDS; field++) {
        if (strings_from_tuple(&fields[field], PyTuple_GET_ITEM(columns, field), count) < 0) {
            for (int opened = 0; opened <= field; opened++) {
                strings_close(&fields[opened]);
            }
            return NULL;
        }
    }
    PyObject *result = PyBytes_FromStringAndSize(NULL, count * KEY_COUNT * (Py_ssize_t)sizeof(uint64_t));
    if (result != NULL) {
        uint64_t *keys = (uint64_t *)PyBytes_AS_STRING(result);
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t row = 0; row < count; row++) {
            const unsigned char *text[KEY_FIELDS];
            size_t length[KEY_FIELDS];
            int present[KEY_FIELDS];
            for (int field = 0; field < KEY_FIELDS; field++) {
                present[field] = strings_get(&fields[field], row, &text[field], &length[field]) && length[field] > 0;
            }
            uint64_t *out = keys + row * KEY_COUNT;
            const unsigned char separator = '|';
            out[0] = present[F_DOMAIN_LABEL] ? text_hash(1, text[F_DOMAIN_LABEL], length[F_DOMAIN_LABEL]) : 0;
            out[1] = present[F_VAT] ? text_hash(2, text[F_VAT], length[F_VAT]) : 0;
            size_t first_word = 0;
            if (present[F_NAME]) {
                while (first_word < length[F_NAME] && text[F_NAME][first_word] != ' ') {
                    first_word++;
                }
            }
            if (present[F_POSTAL] && present[F_NAME]) {
                uint64_t hash = 1469598103934665603ULL ^ (3 * 0x9E3779B97F4A7C15ULL);
                hash = hash_continue(hash, text[F_POSTAL], length[F_POSTAL]);
                hash = hash_continue(hash, &separator, 1);
                hash = hash_continue(hash, text[F_NAME], utf8_prefix(text[F_NAME], first_word, 3));
                out[2] = hash_finish(hash);
            } else {
                out[2] = 0;
            }
            if (present[F_CITY_KEY] && present[F_NAME]) {
                uint64_t hash = 1469598103934665603ULL ^ (4 * 0x9E3779B97F4A7C15ULL);
                hash = hash_continue(hash, text[F_CITY_KEY], length[F_CITY_KEY]);
                hash = hash_continue(hash, &separator, 1);
                hash = hash_continue(hash, text[F_NAME], first_word);
                out[3] = hash_finish(hash);
            } else {
                out[3] = 0;
            }
            int place = present[F_POSTAL] ? F_POSTAL : F_CITY_KEY;
            if (present[place] && present[F_STREET] && present[F_HOUSE]) {
                uint64_t hash = 1469598103934665603ULL ^ (5 * 0x9E3779B97F4A7C15ULL);
                hash = hash_continue(hash, text[place], length[place]);
                hash = hash_continue(hash, &separator, 1);
                hash = hash_continue(hash, text[F_STREET], utf8_prefix(text[F_STREET], length[F_STREET], 8));
                hash = hash_continue(hash, &separator, 1);
                hash = hash_continue(hash, text[F_HOUSE], length[F_HOUSE]);
                out[4] = hash_finish(hash);
            } else {
                out[4] = 0;
            }
            out[5] = present[F_NAME] ? text_hash(6, text[F_NAME], length[F_NAME]) : 0;
        }
        Py_END_ALLOW_THREADS
    }
    for (int field = 0; field < KEY_FIELDS; field++) {
        strings_close(&fields[field]);
    }
    return result;
}

/* ---------------------------------------------------------------------------------------------------- */
/* blocking: candidate pairs of records sharing a key; distinct pairs of codes                          */

typedef struct {
    uint64_t key;
    uint32_t left_count;
    uint32_t right_count;
    uint32_t start;
    uint32_t filled;
} KeySlot;

static inline size_t slot_of(uint64_t key, size_t mask) {
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 17) & mask;
}

static inline KeySlot *key_slot(KeySlot *slots, size_t mask, uint64_t key, int insert) {
    size_t slot = slot_of(key, mask);
    while (slots[slot].key != 0) {
        if (slots[slot].key == key) {
            return &slots[slot];
        }
        slot = (slot + 1) & mask;
    }
    if (!insert) {
        return NULL;
    }
    slots[slot].key = key;
    return &slots[slot];
}

static int pairs_push(uint64_t **pairs, size_t *count, size_t *capacity, uint64_t pair) {
    if (*count == *capacity) {
        size_t grown_capacity = *capacity ? *capacity * 2 : 1 << 16;
        uint64_t *grown = realloc(*pairs, grown_capacity * sizeof(uint64_t));
        if (grown == NULL) {
            return -1;
        }
        *pairs = grown;
        *capacity = grown_capacity;
    }
    (*pairs)[(*count)++] = pair;
    return 0;
}

/* LSD radix sort of 64-bit values, a byte at a time, skipping bytes that are equal everywhere. */
static int radix_sort(uint64_t *values, size_t count) {
    uint64_t *buffer = malloc(count * sizeof(uint64_t) + 1);
    if (buffer == NULL) {
        return -1;
    }
    uint64_t all_or = 0, all_and = ~0ULL;
    for (size_t index = 0; index < count; index++) {
        all_or |= values[index];
        all_and &= values[index];
    }
    uint64_t *source = values, *target = buffer;
    for (int shift = 0; shift < 64; shift += 8) {
        if ((((all_or ^ all_and) >> shift) & 0xFF) == 0) {
            continue; /* this byte is the same in every value */
        }
        size_t counts[257] = {0};
        for (size_t index = 0; index < count; index++) {
            counts[((source[index] >> shift) & 0xFF) + 1]++;
        }
        for (int bucket = 0; bucket < 256; bucket++) {
            counts[bucket + 1] += counts[bucket];
        }
        for (size_t index = 0; index < count; index++) {
            target[counts[(source[index] >> shift) & 0xFF]++] = source[index];
        }
        uint64_t *swap = source;
        source = target;
        target = swap;
    }
    if (source != values) {
        memcpy(values, source, count * sizeof(uint64_t));
    }
    free(buffer);
    return 0;
}

/* The pairs of the key columns first, first + step, ... (one thread's share of candidate_pairs). */
typedef struct {
    const uint64_t *left_keys;
    const uint64_t *right_keys;
    size_t left_rows;
    size_t right_rows;
    size_t columns;
    size_t first_column;
    size_t column_step;
    long long max_pairs;
    uint64_t *pairs;
    size_t pair_count;
    size_t pair_capacity;
    int failed;
} PairWork;

static void *collect_pairs(void *argument) {
    PairWork *work = (PairWork *)argument;
    size_t slot_count = 16;
    while (slot_count < work->left_rows * 2) {
        slot_count *= 2;
    }
    size_t mask = slot_count - 1;
    KeySlot *slots = malloc(slot_count * sizeof(KeySlot));
    uint32_t *members = malloc((work->left_rows + 1) * sizeof(uint32_t));
    if (slots == NULL || members == NULL) {
        work->failed = 1;
    }
    const size_t columns = work->columns;
    for (size_t column = work->first_column; column < columns && !work->failed; column += work->column_step) {
        memset(slots, 0, slot_count * sizeof(KeySlot));
        for (size_t row = 0; row < work->left_rows; row++) {
            uint64_t key = work->left_keys[row * columns + column];
            if (key != 0) {
                key_slot(slots, mask, key, 1)->left_count++;
            }
        }
        for (size_t row = 0; row < work->right_rows; row++) {
            uint64_t key = work->right_keys[row * columns + column];
            KeySlot *slot = key != 0 ? key_slot(slots, mask, key, 0) : NULL;
            if (slot != NULL) {
                slot->right_count++;
            }
        }
        uint32_t start = 0;
        for (size_t index = 0; index < slot_count; index++) {
            KeySlot *slot = &slots[index];
            if (slot->key != 0 && slot->right_count > 0 &&
                (long long)slot->left_count * slot->right_count <= work->max_pairs) {
                slot->start = start;
                start += slot->left_count;
            } else {
                slot->right_count = 0; /* not usable */
            }
        }
        for (size_t row = 0; row < work->left_rows; row++) {
            uint64_t key = work->left_keys[row * columns + column];
            if (key != 0) {
                KeySlot *slot = key_slot(slots, mask, key, 0);
                if (slot->right_count > 0) {
                    members[slot->start + slot->filled++] = (uint32_t)row;
                }
            }
        }
        for (size_t row = 0; row < work->right_rows && !work->failed; row++) {
            uint64_t key = work->right_keys[row * columns + column];
            KeySlot *slot = key != 0 ? key_slot(slots, mask, key, 0) : NULL;
            if (slot == NULL || slot->right_count == 0) {
                continue;
            }
            for (uint32_t member = 0; member < slot->left_count; member++) {
                uint64_t pair = ((uint64_t)members[slot->start + member] << 32) | (uint64_t)row;
                if (pairs_push(&work->pairs, &work->pair_count, &work->pair_capacity, pair) < 0) {
                    work->failed = 1;
                    break;
                }
            }
        }
    }
    free(slots);
    free(members);
    return NULL;
}

#define MAX_PAIR_THREADS 16

/* candidate_pairs(left_keys, right_keys, key_columns, max_pairs_per_block) -> (left_rows, right_rows) as
 * uint32 bytes: the distinct (left, right) row pairs sharing a key of the same column, sorted; keys that
 * would put more than max_pairs_per_block pairs into one block are skipped. Keys are row-major uint64
 * matrices (rows x key_columns), 0 = no key. One thread per online processor (at most one per key column
 * and MAX_PAIR_THREADS) shares the key columns. */
static PyObject *candidate_pairs(PyObject *self, PyObject *args) {
    Py_buffer left_buffer, right_buffer;
    Py_ssize_t columns;
    long long max_pairs;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*y*nL", &left_buffer, &right_buffer, &columns, &max_pairs)) {
        return NULL;
    }
    PyObject *result = NULL;
    if (columns <= 0 || left_buffer.len % (columns * 8) != 0 || right_buffer.len % (columns * 8) != 0) {
        PyErr_SetString(PyExc_ValueError, "key matrices do not have the given number of columns");
        goto done;
    }
    size_t left_rows = (size_t)left_buffer.len / ((size_t)columns * 8);
    size_t right_rows = (size_t)right_buffer.len / ((size_t)columns * 8);
    if (left_rows >= (1ULL << 32) || right_rows >= (1ULL << 32)) {
        PyErr_SetString(PyExc_ValueError, "too many records");
        goto done;
    }
    long processors = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = (int)(processors < 1 ? 1 : processors);
    if (threads > MAX_PAIR_THREADS) {
        threads = MAX_PAIR_THREADS;
    }
    if (threads > columns) {
        threads = (int)columns;
    }
    PairWork work[MAX_PAIR_THREADS];
    memset(work, 0, sizeof(work));
    for (int thread = 0; thread < threads; thread++) {
        work[thread].left_keys = (const uint64_t *)left_buffer.buf;
        work[thread].right_keys = (const uint64_t *)right_buffer.buf;
        work[thread].left_rows = left_rows;
        work[thread].right_rows = right_rows;
        work[thread].columns = (size_t)columns;
        work[thread].first_column = (size_t)thread;
        work[thread].column_step = (size_t)threads;
        work[thread].max_pairs = max_pairs;
    }
    uint64_t *pairs = NULL;
    size_t pair_count = 0;
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    pthread_t helpers[MAX_PAIR_THREADS];
    int started[MAX_PAIR_THREADS] = {0};
    for (int thread = 1; thread < threads; thread++) {
        started[thread] = pthread_create(&helpers[thread], NULL, collect_pairs, &work[thread]) == 0;
    }
    collect_pairs(&work[0]);
    for (int thread = 1; thread < threads; thread++) {
        if (started[thread]) {
            pthread_join(helpers[thread], NULL);
        } else {
            collect_pairs(&work[thread]); /* no thread: done here */
        }
    }
    for (int thread = 0; thread < threads; thread++) {
        failed = failed || work[thread].failed;
        pair_count += work[thread].pair_count;
    }
    if (!failed) {
        pairs = malloc((pair_count + 1) * sizeof(uint64_t));
        if (pairs == NULL) {
            failed = 1;
        } else {
            size_t filled = 0;
            for (int thread = 0; thread < threads; thread++) {
                if (work[thread].pair_count > 0) {
                    memcpy(pairs + filled, work[thread].pairs, work[thread].pair_count * sizeof(uint64_t));
                }
                filled += work[thread].pair_count;
            }
        }
    }
    for (int thread = 0; thread < threads; thread++) {
        free(work[thread].pairs);
    }
    if (!failed && pair_count > 0 && radix_sort(pairs, pair_count) < 0) {
        failed = 1;
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        free(pairs);
        PyErr_NoMemory();
        goto done;
    }
    size_t distinct = 0;
    for (size_t index = 0; index < pair_count; index++) {
        if (distinct == 0 || pairs[distinct - 1] != pairs[index]) {
            pairs[distinct++] = pairs[index];
        }
    }
    PyObject *left_out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(distinct * sizeof(uint32_t)));
    PyObject *right_out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(distinct * sizeof(uint32_t)));
    if (left_out != NULL && right_out != NULL) {
        uint32_t *left_rows_out = (uint32_t *)PyBytes_AS_STRING(left_out);
        uint32_t *right_rows_out = (uint32_t *)PyBytes_AS_STRING(right_out);
        for (size_t index = 0; index < distinct; index++) {
            left_rows_out[index] = (uint32_t)(pairs[index] >> 32);
            right_rows_out[index] = (uint32_t)(pairs[index] & 0xFFFFFFFFULL);
        }
        result = PyTuple_Pack(2, left_out, right_out);
    }
    Py_XDECREF(left_out);
    Py_XDECREF(right_out);
    free(pairs);
done:
    PyBuffer_Release(&left_buffer);
    PyBuffer_Release(&right_buffer);
    return result;
}

typedef struct {
    uint64_t left;
    uint64_t right;
    int64_t first;
} PairSlot;

/* distinct_pairs(left_codes, right_codes) -> (first positions as int64 bytes, inverse as int64 bytes):
 * each distinct (left, right) pair of uint64 codes once (at its first position), and for every position
 * the index of its pair among the distinct ones. */
static PyObject *distinct_pairs(PyObject *self, PyObject *args) {
    Py_buffer left_buffer, right_buffer;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*y*", &left_buffer, &right_buffer)) {
        return NULL;
    }
    PyObject *result = NULL;
    if (left_buffer.len != right_buffer.len || left_buffer.len % 8 != 0) {
        PyErr_SetString(PyExc_ValueError, "code arrays differ in length");
        goto done;
    }
    size_t count = (size_t)left_buffer.len / 8;
    const uint64_t *left = (const uint64_t *)left_buffer.buf;
    const uint64_t *right = (const uint64_t *)right_buffer.buf;
    size_t slot_count = 16;
    while (slot_count < count * 2) {
        slot_count *= 2;
    }
    size_t mask = slot_count - 1;
    PairSlot *slots = malloc(slot_count * sizeof(PairSlot));
    PyObject *inverse_out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(count * sizeof(int64_t)));
    int64_t *firsts = malloc((count + 1) * sizeof(int64_t));
    if (slots == NULL || firsts == NULL || inverse_out == NULL) {
        free(slots);
        free(firsts);
        Py_XDECREF(inverse_out);
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        goto done;
    }
    int64_t *inverse = (int64_t *)PyBytes_AS_STRING(inverse_out);
    size_t distinct = 0;
    Py_BEGIN_ALLOW_THREADS
    for (size_t index = 0; index < slot_count; index++) {
        slots[index].first = -1;
    }
    for (size_t index = 0; index < count; index++) {
        uint64_t mixed = left[index] * 0x9E3779B97F4A7C15ULL ^ (right[index] + 0x632BE59BD9B4E019ULL);
        size_t slot = slot_of(mixed, mask);
        while (slots[slot].first >= 0 && !(slots[slot].left == left[index] && slots[slot].right == right[index])) {
            slot = (slot + 1) & mask;
        }
        if (slots[slot].first < 0) {
            slots[slot].left = left[index];
            slots[slot].right = right[index];
            slots[slot].first = (int64_t)distinct;
            firsts[distinct++] = (int64_t)index;
        }
        inverse[index] = slots[slot].first;
    }
    Py_END_ALLOW_THREADS
    free(slots);
    PyObject *first_out = PyBytes_FromStringAndSize((const char *)firsts, (Py_ssize_t)(distinct * sizeof(int64_t)));
    free(firsts);
    if (first_out != NULL) {
        result = PyTuple_Pack(2, first_out, inverse_out);
        Py_DECREF(first_out);
    }
    Py_DECREF(inverse_out);
done:
    PyBuffer_Release(&left_buffer);
    PyBuffer_Release(&right_buffer);
    return result;
}

/* all_distinct(codes) -> bool: whether no uint64 code repeats (0 counts like any other code). */
static PyObject *all_distinct(PyObject *self, PyObject *args) {
    Py_buffer buffer;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*", &buffer)) {
        return NULL;
    }
    size_t count = (size_t)buffer.len / 8;
    const uint64_t *codes = (const uint64_t *)buffer.buf;
    size_t slot_count = 16;
    while (slot_count < count * 2) {
        slot_count *= 2;
    }
    size_t mask = slot_count - 1;
    uint64_t *slots = calloc(slot_count, sizeof(uint64_t));
    int seen_zero = 0, distinct = 1;
    if (slots == NULL) {
        PyBuffer_Release(&buffer);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    for (size_t index = 0; index < count && distinct; index++) {
        uint64_t code = codes[index];
        if (code == 0) {
            distinct = !seen_zero;
            seen_zero = 1;
            continue;
        }
        size_t slot = slot_of(code, mask);
        while (slots[slot] != 0 && slots[slot] != code) {
            slot = (slot + 1) & mask;
        }
        if (slots[slot] == code) {
            distinct = 0;
        }
        slots[slot] = code;
    }
    Py_END_ALLOW_THREADS
    free(slots);
    PyBuffer_Release(&buffer);
    return PyBool_FromLong(distinct);
}

/* ---------------------------------------------------------------------------------------------------- */
/* names with their words sorted (a blocking key that survives word order)                              */

static int word_order(const void *first, const void *second) {
    const Word *one = (const Word *)first, *other = (const Word *)second;
    size_t shorter = one->length < other->length ? one->length : other->length;
    int compared = memcmp(one->start, other->start, shorter);
    if (compared != 0) {
        return compared;
    }
    return one->length < other->length ? -1 : (one->length > other->length ? 1 : 0);
}

/* sorted_words(column, count) -> string_view column: each text's space-separated words sorted by their
 * bytes and joined by one space, as polars' str.split(" ").list.sort().list.join(" ") on normalised names
 * (single spaces); null stays null. */
static PyObject *sorted_words(PyObject *self, PyObject *args) {
    PyObject *column_tuple;
    Py_ssize_t count;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!n", &PyTuple_Type, &column_tuple, &count)) {
        return NULL;
    }
    Strings strings;
    if (strings_from_tuple(&strings, column_tuple, count) < 0) {
        strings_close(&strings);
        return NULL;
    }
    Column out;
    Words words = {0};
    int failed = column_init(&out, count) < 0;
    if (!failed) {
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t row = 0; row < count && !failed; row++) {
            const unsigned char *text;
            size_t length;
            if (strings_get(&strings, row, &text, &length)) {
                words.count = 0;
                if (split_words((const char *)text, length, &words) < 0) {
                    failed = 1;
                    break;
                }
                if (words.count > 1) {
                    qsort(words.words, words.count, sizeof(Word), word_order);
                }
                for (size_t index = 0; index < words.count && !failed; index++) {
                    if ((index > 0 && column_append(&out, " ", 1) < 0) ||
                        column_append(&out, words.words[index].start, words.words[index].length) < 0) {
                        failed = 1;
                    }
                }
            }
            column_end_row(&out, row);
        }
        Py_END_ALLOW_THREADS
    }
    strings_close(&strings);
    free(words.words);
    PyObject *result = failed ? PyErr_NoMemory() : column_as_tuple(&out, count);
    column_free(&out);
    return result;
}

/* ---------------------------------------------------------------------------------------------------- */
/* hardened Bloom filters (CLK) of byte bigrams, as encoding.bloom_filters makes them with numpy          */

/* Calls ``visit(bigram code, context)`` for each byte bigram of "_" + text + "_" (none for an empty text). */
#define FOR_EACH_BIGRAM(text, length, code, body)                                                         \
    do {                                                                                                  \
        if ((length) > 0) {                                                                               \
            unsigned previous = '_';                                                                      \
            for (size_t position_ = 0; position_ <= (length); position_++) {                              \
                unsigned next_ = position_ < (length) ? (text)[position_] : '_';                          \
                unsigned code = (previous << 8) | next_;                                                  \
                body;                                                                                     \
                previous = next_;                                                                         \
            }                                                                                             \
        }                                                                                                 \
    } while (0)

/* bigrams_present(column, count) -> 65536 bytes: 1 for each bigram code that occurs. */
static PyObject *bigrams_present(PyObject *self, PyObject *args) {
    PyObject *column;
    Py_ssize_t count;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!n", &PyTuple_Type, &column, &count)) {
        return NULL;
    }
    Strings strings;
    if (strings_from_tuple(&strings, column, count) < 0) {
        strings_close(&strings);
        return NULL;
    }
    PyObject *result = PyBytes_FromStringAndSize(NULL, 65536);
    if (result != NULL) {
        uint8_t *present = (uint8_t *)PyBytes_AS_STRING(result);
        memset(present, 0, 65536);
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t row = 0; row < count; row++) {
            const unsigned char *text;
            size_t length;
            if (strings_get(&strings, row, &text, &length)) {
                FOR_EACH_BIGRAM(text, length, code, present[code] = 1);
            }
        }
        Py_END_ALLOW_THREADS
    }
    strings_close(&strings);
    return result;
}

/* bloom_filters(column, count, positions, positions_per_bigram, diffusion, bits) -> bytes (count x bits/8):
 * per text, the bits positions[bigram][0..k) of its bigrams set, then output bit j = XOR of the input bits
 * diffusion[j][0..3), packed most significant bit first (numpy's packbits). ``positions`` is an int64
 * (65536 x k) table, ``diffusion`` int64 (bits x 3), each of its columns a permutation. */
static PyObject *bloom_filters(PyObject *self, PyObject *args) {
    PyObject *column;
    Py_ssize_t count, per_bigram, bits;
    Py_buffer positions, diffusion;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!ny*ny*n", &PyTuple_Type, &column, &count, &positions, &per_bigram, &diffusion,
                          &bits)) {
        return NULL;
    }
    PyObject *result = NULL;
    Strings strings;
    memset(&strings, 0, sizeof(strings));
    int32_t *outputs_of_input = NULL;
    if (bits <= 0 || bits > 4096 || bits % 64 != 0 || per_bigram <= 0 || positions.len != 65536 * per_bigram * 8 ||
        diffusion.len != bits * 3 * 8) {
        PyErr_SetString(PyExc_ValueError, "Bloom filter tables do not fit the layout");
        goto done;
    }
    const int64_t *position_table = (const int64_t *)positions.buf;
    const int64_t *diffusion_table = (const int64_t *)diffusion.buf;
    for (Py_ssize_t index = 0; index < 65536 * per_bigram; index++) {
        if (position_table[index] < 0 || position_table[index] >= bits) {
            PyErr_SetString(PyExc_ValueError, "a bit position is outside the filter");
            goto done;
        }
    }
    /* each input bit feeds three output bits (one per permutation) */
    outputs_of_input = malloc((size_t)bits * 3 * sizeof(int32_t));
    int32_t *filled = calloc((size_t)bits, sizeof(int32_t));
    if (outputs_of_input == NULL || filled == NULL) {
        free(filled);
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t output = 0; output < bits; output++) {
        for (int input = 0; input < 3; input++) {
            int64_t source = diffusion_table[output * 3 + input];
            if (source < 0 || source >= bits || filled[source] >= 3) {
                free(filled);
                PyErr_SetString(PyExc_ValueError, "the diffusion table is not three permutations");
                goto done;
            }
            outputs_of_input[source * 3 + filled[source]++] = (int32_t)output;
        }
    }
    free(filled);
    if (strings_from_tuple(&strings, column, count) < 0) {
        goto done;
    }
    size_t filter_bytes = (size_t)bits / 8, words = (size_t)bits / 64;
    result = PyBytes_FromStringAndSize(NULL, count * (Py_ssize_t)filter_bytes);
    if (result != NULL) {
        uint8_t *filters = (uint8_t *)PyBytes_AS_STRING(result);
        memset(filters, 0, (size_t)count * filter_bytes);
        Py_BEGIN_ALLOW_THREADS
        uint64_t input_bits[64]; /* up to 4096 bits */
        for (Py_ssize_t row = 0; row < count; row++) {
            const unsigned char *text;
            size_t length;
            if (!strings_get(&strings, row, &text, &length) || length == 0) {
                continue;
            }
            memset(input_bits, 0, words * sizeof(uint64_t));
            FOR_EACH_BIGRAM(text, length, code, {
                const int64_t *bit_positions = position_table + (size_t)code * (size_t)per_bigram;
                for (Py_ssize_t k = 0; k < per_bigram; k++) {
                    input_bits[bit_positions[k] >> 6] |= 1ULL << (bit_positions[k] & 63);
                }
            });
            uint8_t *filter = filters + (size_t)row * filter_bytes;
            for (size_t word = 0; word < words; word++) {
                uint64_t set = input_bits[word];
                while (set) {
                    size_t input = word * 64 + (size_t)__builtin_ctzll(set);
                    set &= set - 1;
                    for (int k = 0; k < 3; k++) {
                        int32_t output = outputs_of_input[input * 3 + (size_t)k];
                        filter[output >> 3] ^= (uint8_t)(0x80u >> (output & 7));
                    }
                }
            }
        }
        Py_END_ALLOW_THREADS
    }
done:
    free(outputs_of_input);
    strings_close(&strings);
    PyBuffer_Release(&positions);
    PyBuffer_Release(&diffusion);
    return result;
}

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(fold_names, fold_streets, name_replacements, legal_spellings, legal_words, multi_label_suffixes, "
     "shared_mail_labels): folding tables and word lists, once."},
    {"names", names, METH_VARARGS,
     "names(column, count) -> (core, legal_suffix, fallback)"},
    {"domains", domains, METH_VARARGS,
     "domains(column, count) -> (host, label, fallback)"},
    {"streets", streets, METH_VARARGS,
     "streets(column, count) -> (street_name, house_number, fallback)"},
    {"vat_ids", vat_ids, METH_VARARGS,
     "vat_ids(column, country_column, count) -> (vat_id, status)"},
    {"hash_strings", hash_strings, METH_VARARGS,
     "hash_strings(column, count) -> uint64 codes (bytes); 0 = null"},
    {"blocking_keys", blocking_keys, METH_VARARGS,
     "blocking_keys(seven columns, count) -> (count x 6) uint64 blocking keys (bytes); 0 = no key"},
    {"candidate_pairs", candidate_pairs, METH_VARARGS,
     "candidate_pairs(left_keys, right_keys, key_columns, max_pairs_per_block) -> (left_rows, right_rows)"},
    {"distinct_pairs", distinct_pairs, METH_VARARGS,
     "distinct_pairs(left_codes, right_codes) -> (first_positions, inverse)"},
    {"all_distinct", all_distinct, METH_VARARGS, "all_distinct(codes) -> whether no uint64 code repeats"},
    {"sorted_words", sorted_words, METH_VARARGS,
     "sorted_words(column, count) -> string_view column of the words of each text sorted"},
    {"bigrams_present", bigrams_present, METH_VARARGS,
     "bigrams_present(column, count) -> 65536 bytes, 1 where a bigram of '_' + text + '_' occurs"},
    {"bloom_filters", bloom_filters, METH_VARARGS,
     "bloom_filters(column, count, positions, positions_per_bigram, diffusion, bits) -> packed filters"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_compiled",
    "The compiled parts of the matching engine (see normalisation.py, engine.py and blocking.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__compiled(void) { return PyModule_Create(&module); }
