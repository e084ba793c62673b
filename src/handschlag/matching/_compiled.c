/* The compiled parts of the matching engine: normalising names, domains, streets and VAT ids; codes and
 * blocking keys of normalised texts; candidate pairs and distinct pairs of codes; rapidfuzz's ratio,
 * token_sort_ratio and token_set_ratio for ASCII texts; for the private mode, keyed BLAKE2b-64 and the
 * hardened Bloom filters. Each gives exactly what the Python code beside it gives (tests compare them).
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

enum { VAT_NONE = 0, VAT_VALID = 1, VAT_CHECK = 2, VAT_FALLBACK = 3 };

static int german_check_digit_valid(const char *digits) {
    int check = 5;
    for (int index = 0; index < 9; index++) {
        int product = ((check == 0 ? 10 : check) * 2) % 11;
        check = (product + (digits[index] - '0')) % 10;
    }
    return check == 1;
}

/* Luhn checksum of ASCII digits (0 for a valid number), as python-stdnum's luhn.checksum. */
static int luhn_checksum(const char *digits, size_t length) {
    int sum = 0;
    for (size_t position = 0; position < length; position++) {
        int digit = digits[length - 1 - position] - '0';
        if (position % 2 == 1) {
            digit *= 2;
            digit = digit / 10 + digit % 10;
        }
        sum += digit;
    }
    return sum % 10;
}

static int all_digits(const char *text, size_t length) {
    for (size_t index = 0; index < length; index++) {
        if (!is_digit((unsigned char)text[index])) {
            return 0;
        }
    }
    return 1;
}

/* Austrian UID "ATU" + 8 digits, as stdnum.at.uid: check digit (6 - luhn(first 7)) % 10. */
static int austrian_vat_id_valid(const char *compact, size_t length) {
    if (length != 11 || compact[2] != 'U' || !all_digits(compact + 3, 8)) {
        return 0;
    }
    return (6 - luhn_checksum(compact + 3, 7) + 10) % 10 == compact[10] - '0';
}

static int french_key_index(char character) {
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    const char *found = character != '\0' ? strchr(alphabet, character) : NULL;
    return found == NULL ? -1 : (int)(found - alphabet);
}

/* French TVA "FR" + 2 key characters + 9 digits (SIREN), as stdnum.fr.tva. */
static int french_vat_id_valid(const char *compact, size_t length) {
    const char *number = compact + 2;
    if (length != 13 || french_key_index(number[0]) < 0 || french_key_index(number[1]) < 0 ||
        !all_digits(number + 2, 9)) {
        return 0;
    }
    if (memcmp(number + 2, "000", 3) != 0 && luhn_checksum(number + 2, 9) != 0) {
        return 0; /* not a valid SIREN (Monaco's numbers start with 000 and are not SIRENs) */
    }
    long long siren = 0;
    for (int index = 2; index < 11; index++) {
        siren = siren * 10 + (number[index] - '0');
    }
    if (is_digit((unsigned char)number[0]) && is_digit((unsigned char)number[1])) {
        return (number[0] - '0') * 10 + (number[1] - '0') == (siren * 100 + 12) % 97;
    }
    long long check = is_digit((unsigned char)number[0])
                          ? french_key_index(number[0]) * 24 + french_key_index(number[1]) - 10
                          : french_key_index(number[0]) * 34 + french_key_index(number[1]) - 100;
    return (siren + 1 + check / 11) % 11 == check % 11;
}

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
    if (compact_length >= 2 && compact[0] == 'D' && compact[1] == 'E') {
        int well_formed = compact_length == 11 && compact[2] >= '1' && compact[2] <= '9';
        for (size_t index = 3; well_formed && index < 11; index++) {
            well_formed = is_digit((unsigned char)compact[index]);
        }
        if (!(well_formed && german_check_digit_valid(compact + 2))) {
            *status = VAT_NONE;
            return 1;
        }
        *status = VAT_VALID;
    } else if (compact_length >= 2 && ((compact[0] == 'A' && compact[1] == 'T') || (compact[0] == 'F' && compact[1] == 'R'))) {
        int valid = compact[0] == 'A' ? austrian_vat_id_valid(compact, compact_length)
                                      : french_vat_id_valid(compact, compact_length);
        if (!valid) {
            *status = VAT_NONE;
            return 1;
        }
        *status = VAT_VALID;
    } else {
        *status = VAT_CHECK;
    }
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

#define PAIR_THREADS 2

/* candidate_pairs(left_keys, right_keys, key_columns, max_pairs_per_block) -> (left_rows, right_rows) as
 * uint32 bytes: the distinct (left, right) row pairs sharing a key of the same column, sorted; keys that
 * would put more than max_pairs_per_block pairs into one block are skipped. Keys are row-major uint64
 * matrices (rows x key_columns), 0 = no key. Two threads share the key columns. */
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
    PairWork work[PAIR_THREADS];
    memset(work, 0, sizeof(work));
    for (int thread = 0; thread < PAIR_THREADS; thread++) {
        work[thread].left_keys = (const uint64_t *)left_buffer.buf;
        work[thread].right_keys = (const uint64_t *)right_buffer.buf;
        work[thread].left_rows = left_rows;
        work[thread].right_rows = right_rows;
        work[thread].columns = (size_t)columns;
        work[thread].first_column = (size_t)thread;
        work[thread].column_step = PAIR_THREADS;
        work[thread].max_pairs = max_pairs;
    }
    uint64_t *pairs = NULL;
    size_t pair_count = 0;
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    pthread_t helper;
    int helper_started = columns > 1 && pthread_create(&helper, NULL, collect_pairs, &work[1]) == 0;
    collect_pairs(&work[0]);
    if (helper_started) {
        pthread_join(helper, NULL);
    } else {
        collect_pairs(&work[1]);
    }
    failed = work[0].failed || work[1].failed;
    if (!failed) {
        pair_count = work[0].pair_count + work[1].pair_count;
        pairs = work[0].pairs;
        if (work[1].pair_count > 0) {
            uint64_t *grown = realloc(pairs, (pair_count + 1) * sizeof(uint64_t));
            if (grown == NULL) {
                failed = 1;
            } else {
                pairs = grown;
                work[0].pairs = grown;
                memcpy(pairs + work[0].pair_count, work[1].pairs, work[1].pair_count * sizeof(uint64_t));
            }
        }
    }
    if (!failed && pair_count > 0 && radix_sort(pairs, pair_count) < 0) {
        failed = 1;
    }
    Py_END_ALLOW_THREADS
    free(work[1].pairs);
    if (failed) {
        free(work[0].pairs);
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
/* string similarity: rapidfuzz's fuzz.ratio, token_sort_ratio and token_set_ratio, for ASCII texts     */

/* Length of the longest common subsequence (bit-parallel, Hyyrö), ``pattern`` the shorter text. */
static size_t longest_common_subsequence(const unsigned char *pattern, size_t pattern_length,
                                         const unsigned char *text, size_t text_length, uint64_t *masks,
                                         uint64_t *state) {
    size_t words = (pattern_length + 63) / 64;
    for (size_t index = 0; index < pattern_length; index++) {
        masks[(size_t)pattern[index] * words + index / 64] |= 1ULL << (index % 64);
    }
    for (size_t word = 0; word < words; word++) {
        state[word] = ~0ULL;
    }
    for (size_t index = 0; index < text_length; index++) {
        const uint64_t *match = masks + (size_t)text[index] * words;
        uint64_t carry = 0;
        for (size_t word = 0; word < words; word++) {
            uint64_t matched = state[word] & match[word];
            uint64_t sum = state[word] + carry;
            uint64_t carry_one = sum < carry;
            uint64_t total = sum + matched;
            carry = carry_one | (total < matched);
            state[word] = total | (state[word] - matched);
        }
    }
    size_t common = 0;
    for (size_t word = 0; word < words; word++) {
        uint64_t bits = ~state[word];
        if (word == words - 1 && pattern_length % 64 != 0) {
            bits &= (1ULL << (pattern_length % 64)) - 1;
        }
        common += (size_t)__builtin_popcountll(bits);
    }
    for (size_t index = 0; index < pattern_length; index++) {
        masks[(size_t)pattern[index] * words + index / 64] = 0;
    }
    return common;
}

typedef struct {
    Bytes left;
    Bytes right;
    Words words;
    uint64_t *masks;
    uint64_t *state;
    size_t mask_words;
    Words left_words;
    Words right_words;
} SimilarityScratch;

enum { SCORE_RATIO = 0, SCORE_TOKEN_SORT = 1, SCORE_TOKEN_SET = 2 };

static int words_compare(const void *first, const void *second) {
    const Word *one = (const Word *)first, *other = (const Word *)second;
    size_t shorter = one->length < other->length ? one->length : other->length;
    int order = memcmp(one->start, other->start, shorter);
    if (order != 0) {
        return order;
    }
    return one->length < other->length ? -1 : one->length > other->length;
}

/* The words of an ASCII text, split at white space as rapidfuzz splits (also 0x1C-0x1F), sorted; with
 * ``distinct`` each word once. */
static int split_sorted_words(Words *words, const unsigned char *text, size_t length, int distinct) {
    words->count = 0;
    size_t start = 0;
    for (size_t index = 0; index <= length; index++) {
        int space = index < length && (text[index] == ' ' || (text[index] >= 9 && text[index] <= 13) ||
                                       (text[index] >= 0x1C && text[index] <= 0x1F));
        if (index == length || space) {
            if (index > start && words_push(words, (const char *)text + start, index - start) < 0) {
                return -1;
            }
            start = index + 1;
        }
    }
    qsort(words->words, words->count, sizeof(Word), words_compare);
    if (distinct) {
        size_t kept = 0;
        for (size_t index = 0; index < words->count; index++) {
            if (kept == 0 || words_compare(&words->words[kept - 1], &words->words[index]) != 0) {
                words->words[kept++] = words->words[index];
            }
        }
        words->count = kept;
    }
    return 0;
}

/* The words sorted and joined by single spaces, as token_sort_ratio does. */
static int sorted_words(SimilarityScratch *scratch, const unsigned char *text, size_t length, Bytes *out) {
    if (split_sorted_words(&scratch->words, text, length, 0) < 0) {
        return -1;
    }
    out->length = 0;
    for (size_t index = 0; index < scratch->words.count; index++) {
        if ((index > 0 && bytes_push(out, ' ') < 0) ||
            bytes_append(out, scratch->words.words[index].start, scratch->words.words[index].length) < 0) {
            return -1;
        }
    }
    return 0;
}

static int is_ascii_text(const unsigned char *text, size_t length) {
    for (size_t index = 0; index < length; index++) {
        if (text[index] >= 0x80) {
            return 0;
        }
    }
    return 1;
}

/* rapidfuzz's norm_distance of token_set_ratio: 100 - 100 * dist / lensum (100 for lensum 0). */
static double token_set_score(size_t distance, size_t total) {
    return total > 0 ? 100.0 - 100.0 * (double)distance / (double)total : 100.0;
}

typedef struct {
    Words left_words;
    Words right_words;
} TokenSetScratch;

/* fuzz.token_set_ratio of two ASCII texts (0..100, as rapidfuzz computes it), or -1 on memory errors. */
static double token_set_ratio(TokenSetScratch *words, Bytes *left_joined, Bytes *right_joined,
                              uint64_t **masks, uint64_t **state, size_t *mask_words, const unsigned char *left,
                              size_t left_length, const unsigned char *right, size_t right_length) {
    if (split_sorted_words(&words->left_words, left, left_length, 1) < 0 ||
        split_sorted_words(&words->right_words, right, right_length, 1) < 0) {
        return -1.0;
    }
    const Words *a = &words->left_words, *b = &words->right_words;
    if (a->count == 0 || b->count == 0) {
        return 0.0;
    }
    size_t sect_count = 0, sect_chars = 0, ab_count = 0, ba_count = 0;
    left_joined->length = 0;
    right_joined->length = 0;
    size_t i = 0, j = 0;
    while (i < a->count || j < b->count) {
        int order = i == a->count ? 1 : j == b->count ? -1 : words_compare(&a->words[i], &b->words[j]);
        if (order == 0) {
            sect_chars += a->words[i].length;
            sect_count++;
            i++;
            j++;
        } else if (order < 0) {
            if ((ab_count++ > 0 && bytes_push(left_joined, ' ') < 0) ||
                bytes_append(left_joined, a->words[i].start, a->words[i].length) < 0) {
                return -1.0;
            }
            i++;
        } else {
            if ((ba_count++ > 0 && bytes_push(right_joined, ' ') < 0) ||
                bytes_append(right_joined, b->words[j].start, b->words[j].length) < 0) {
                return -1.0;
            }
            j++;
        }
    }
    if (sect_count > 0 && (ab_count == 0 || ba_count == 0)) {
        return 100.0;
    }
    size_t ab_length = left_joined->length, ba_length = right_joined->length;
    size_t sect_length = sect_count > 0 ? sect_chars + sect_count - 1 : 0;
    size_t sect_ab_length = sect_length + (sect_length != 0) + ab_length;
    size_t sect_ba_length = sect_length + (sect_length != 0) + ba_length;
    const unsigned char *pattern = (const unsigned char *)left_joined->data, *text = (const unsigned char *)right_joined->data;
    size_t pattern_length = ab_length, text_length = ba_length;
    if (pattern_length > text_length) {
        pattern = (const unsigned char *)right_joined->data;
        text = (const unsigned char *)left_joined->data;
        pattern_length = ba_length;
        text_length = ab_length;
    }
    size_t common = 0;
    if (pattern_length > 0) {
        size_t needed = (pattern_length + 63) / 64;
        if (needed > *mask_words) {
            free(*masks);
            free(*state);
            *masks = calloc(256 * needed, sizeof(uint64_t));
            *state = malloc(needed * sizeof(uint64_t));
            *mask_words = needed;
            if (*masks == NULL || *state == NULL) {
                *mask_words = 0;
                return -1.0;
            }
        }
        common = longest_common_subsequence(pattern, pattern_length, text, text_length, *masks, *state);
    }
    size_t distance = ab_length + ba_length - 2 * common;
    double result = token_set_score(distance, sect_ab_length + sect_ba_length);
    if (sect_length == 0) {
        return result;
    }
    double sect_ab = token_set_score((sect_length != 0) + ab_length, sect_length + sect_ab_length);
    double sect_ba = token_set_score((sect_length != 0) + ba_length, sect_length + sect_ba_length);
    if (sect_ab > result) {
        result = sect_ab;
    }
    return sect_ba > result ? sect_ba : result;
}

/* Similarity in [0, 1] exactly as float32(fuzz.ratio) / 100; NAN where a text is missing or not ASCII. */
static float similarity_of(SimilarityScratch *scratch, const unsigned char *left, size_t left_length,
                           const unsigned char *right, size_t right_length, int sort_words, int *failed) {
    if (!is_ascii_text(left, left_length) || !is_ascii_text(right, right_length)) {
        return NAN;
    }
    if (sort_words == SCORE_TOKEN_SET) {
        TokenSetScratch words = {scratch->left_words, scratch->right_words};
        double score = token_set_ratio(&words, &scratch->left, &scratch->right, &scratch->masks, &scratch->state,
                                       &scratch->mask_words, left, left_length, right, right_length);
        scratch->left_words = words.left_words;
        scratch->right_words = words.right_words;
        if (score < 0) {
            *failed = 1;
            return NAN;
        }
        return (float)score / 100.0f;
    }
    if (sort_words == SCORE_TOKEN_SORT) {
        if (sorted_words(scratch, left, left_length, &scratch->left) < 0 ||
            sorted_words(scratch, right, right_length, &scratch->right) < 0) {
            *failed = 1;
            return NAN;
        }
        left = (const unsigned char *)scratch->left.data;
        left_length = scratch->left.length;
        right = (const unsigned char *)scratch->right.data;
        right_length = scratch->right.length;
    }
    size_t total = left_length + right_length;
    if (total == 0) {
        return 1.0f;
    }
    const unsigned char *pattern = left, *text = right;
    size_t pattern_length = left_length, text_length = right_length;
    if (pattern_length > text_length) {
        pattern = right;
        text = left;
        pattern_length = right_length;
        text_length = left_length;
    }
    size_t words = (pattern_length + 63) / 64;
    if (words > scratch->mask_words) {
        free(scratch->masks);
        free(scratch->state);
        scratch->masks = calloc(256 * words, sizeof(uint64_t));
        scratch->state = malloc(words * sizeof(uint64_t));
        scratch->mask_words = words;
        if (scratch->masks == NULL || scratch->state == NULL) {
            scratch->mask_words = 0;
            *failed = 1;
            return NAN;
        }
    } /* a smaller pattern uses the start of the (all-zero) masks with its own stride */
    size_t common = words == 0 ? 0
                               : longest_common_subsequence(pattern, pattern_length, text, text_length,
                                                            scratch->masks, scratch->state);
    double distance = (double)(total - 2 * common);
    double ratio = (1.0 - distance / (double)total) * 100.0;
    return (float)ratio / 100.0f;
}

typedef struct {
    const Strings *left;
    const Strings *right;
    const uint32_t *left_rows;
    const uint32_t *right_rows;
    float *similarities;
    size_t first;
    size_t last;
    int sort_words;
    int failed;
} SimilarityWork;

static void *similarity_work(void *argument) {
    SimilarityWork *work = (SimilarityWork *)argument;
    SimilarityScratch scratch;
    memset(&scratch, 0, sizeof(scratch));
    for (size_t index = work->first; index < work->last && !work->failed; index++) {
        const unsigned char *left, *right;
        size_t left_length, right_length;
        if (!strings_get(work->left, work->left_rows[index], &left, &left_length) ||
            !strings_get(work->right, work->right_rows[index], &right, &right_length)) {
            work->similarities[index] = NAN;
            continue;
        }
        work->similarities[index] =
            similarity_of(&scratch, left, left_length, right, right_length, work->sort_words, &work->failed);
    }
    bytes_free(&scratch.left);
    bytes_free(&scratch.right);
    free(scratch.words.words);
    free(scratch.left_words.words);
    free(scratch.right_words.words);
    free(scratch.masks);
    free(scratch.state);
    return NULL;
}

/* similarities(left_column, left_count, right_column, right_count, left_rows, right_rows, scorer)
 * -> float32 bytes: per pair of rows, fuzz.ratio (scorer 0), token_sort_ratio (1) or token_set_ratio (2)
 * / 100 as rapidfuzz gives it in float32; NaN where a text is missing or not ASCII (the caller asks
 * rapidfuzz for those). */
static PyObject *similarities(PyObject *self, PyObject *args) {
    PyObject *left_column, *right_column;
    Py_ssize_t left_count, right_count;
    Py_buffer left_rows, right_rows;
    int sort_words;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!nO!ny*y*i", &PyTuple_Type, &left_column, &left_count, &PyTuple_Type,
                          &right_column, &right_count, &left_rows, &right_rows, &sort_words)) {
        return NULL;
    }
    if (sort_words < SCORE_RATIO || sort_words > SCORE_TOKEN_SET) {
        PyBuffer_Release(&left_rows);
        PyBuffer_Release(&right_rows);
        PyErr_SetString(PyExc_ValueError, "scorer must be 0 (ratio), 1 (token_sort_ratio) or 2 (token_set_ratio)");
        return NULL;
    }
    PyObject *result = NULL;
    Strings left, right;
    memset(&left, 0, sizeof(left));
    memset(&right, 0, sizeof(right));
    if (strings_from_tuple(&left, left_column, left_count) < 0 ||
        strings_from_tuple(&right, right_column, right_count) < 0) {
        goto done;
    }
    if (left_rows.len != right_rows.len || left_rows.len % 4 != 0) {
        PyErr_SetString(PyExc_ValueError, "row arrays differ in length");
        goto done;
    }
    size_t count = (size_t)left_rows.len / 4;
    const uint32_t *left_indices = (const uint32_t *)left_rows.buf;
    const uint32_t *right_indices = (const uint32_t *)right_rows.buf;
    for (size_t index = 0; index < count; index++) {
        if ((Py_ssize_t)left_indices[index] >= left_count || (Py_ssize_t)right_indices[index] >= right_count) {
            PyErr_SetString(PyExc_ValueError, "a row index is outside its column");
            goto done;
        }
    }
    result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(count * sizeof(float)));
    if (result == NULL) {
        goto done;
    }
    SimilarityWork work[PAIR_THREADS];
    for (int thread = 0; thread < PAIR_THREADS; thread++) {
        work[thread].left = &left;
        work[thread].right = &right;
        work[thread].left_rows = left_indices;
        work[thread].right_rows = right_indices;
        work[thread].similarities = (float *)PyBytes_AS_STRING(result);
        work[thread].first = count * (size_t)thread / PAIR_THREADS;
        work[thread].last = count * (size_t)(thread + 1) / PAIR_THREADS;
        work[thread].sort_words = sort_words;
        work[thread].failed = 0;
    }
    Py_BEGIN_ALLOW_THREADS
    pthread_t helper;
    int helper_started = count >= 4096 && pthread_create(&helper, NULL, similarity_work, &work[1]) == 0;
    similarity_work(&work[0]);
    if (helper_started) {
        pthread_join(helper, NULL);
    } else {
        similarity_work(&work[1]);
    }
    Py_END_ALLOW_THREADS
    if (work[0].failed || work[1].failed) {
        Py_CLEAR(result);
        PyErr_NoMemory();
    }
done:
    strings_close(&left);
    strings_close(&right);
    PyBuffer_Release(&left_rows);
    PyBuffer_Release(&right_rows);
    return result;
}

/* ---------------------------------------------------------------------------------------------------- */
/* keyed BLAKE2b (RFC 7693) with an 8-byte digest: hashlib.blake2b(value, key=key, digest_size=8)      */

static const uint64_t blake2b_iv[8] = {
    0x6A09E667F3BCC908ULL, 0xBB67AE8584CAA73BULL, 0x3C6EF372FE94F82BULL, 0xA54FF53A5F1D36F1ULL,
    0x510E527FADE682D1ULL, 0x9B05688C2B3E6C1FULL, 0x1F83D9ABFB41BD6BULL, 0x5BE0CD19137E2179ULL,
};

static const uint8_t blake2b_sigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

static inline uint64_t rotate_right(uint64_t value, int bits) { return (value >> bits) | (value << (64 - bits)); }

static inline uint64_t load_le64(const uint8_t *bytes) {
    uint64_t value = 0;
    for (int index = 7; index >= 0; index--) {
        value = (value << 8) | bytes[index];
    }
    return value;
}

#define BLAKE2B_G(a, b, c, d, x, y)                                                                       \
    do {                                                                                                  \
        v[a] = v[a] + v[b] + (x);                                                                         \
        v[d] = rotate_right(v[d] ^ v[a], 32);                                                             \
        v[c] = v[c] + v[d];                                                                               \
        v[b] = rotate_right(v[b] ^ v[c], 24);                                                             \
        v[a] = v[a] + v[b] + (y);                                                                         \
        v[d] = rotate_right(v[d] ^ v[a], 16);                                                             \
        v[c] = v[c] + v[d];                                                                               \
        v[b] = rotate_right(v[b] ^ v[c], 63);                                                             \
    } while (0)

static void blake2b_compress(uint64_t h[8], const uint8_t block[128], uint64_t counter, int last) {
    uint64_t v[16], m[16];
    for (int index = 0; index < 8; index++) {
        v[index] = h[index];
        v[index + 8] = blake2b_iv[index];
    }
    v[12] ^= counter;
    if (last) {
        v[14] = ~v[14];
    }
    for (int index = 0; index < 16; index++) {
        m[index] = load_le64(block + 8 * index);
    }
    for (int round = 0; round < 12; round++) {
        const uint8_t *order = blake2b_sigma[round];
        BLAKE2B_G(0, 4, 8, 12, m[order[0]], m[order[1]]);
        BLAKE2B_G(1, 5, 9, 13, m[order[2]], m[order[3]]);
        BLAKE2B_G(2, 6, 10, 14, m[order[4]], m[order[5]]);
        BLAKE2B_G(3, 7, 11, 15, m[order[6]], m[order[7]]);
        BLAKE2B_G(0, 5, 10, 15, m[order[8]], m[order[9]]);
        BLAKE2B_G(1, 6, 11, 12, m[order[10]], m[order[11]]);
        BLAKE2B_G(2, 7, 8, 13, m[order[12]], m[order[13]]);
        BLAKE2B_G(3, 4, 9, 14, m[order[14]], m[order[15]]);
    }
    for (int index = 0; index < 8; index++) {
        h[index] ^= v[index] ^ v[index + 8];
    }
}

/* A keyed hash always starts with the key block: the state after it is the same for every message with
 * a text, and is computed once. */
typedef struct {
    uint64_t h[8];          /* before the key block */
    uint64_t after_key[8];  /* after it, for messages that follow it */
    uint8_t key_block[128];
} KeyedBlake2b;

static void keyed_blake2b_init(KeyedBlake2b *state, const uint8_t *key, size_t key_length) {
    for (int index = 0; index < 8; index++) {
        state->h[index] = blake2b_iv[index];
    }
    state->h[0] ^= 0x01010000ULL ^ ((uint64_t)key_length << 8) ^ 8; /* digest of 8 bytes */
    memset(state->key_block, 0, sizeof(state->key_block));
    memcpy(state->key_block, key, key_length);
    memcpy(state->after_key, state->h, sizeof(state->h));
    blake2b_compress(state->after_key, state->key_block, 128, 0);
}

/* The first 8 bytes of the digest, read little-endian (as numpy reads the digest with "<u8"). */
static uint64_t keyed_blake2b_64(const KeyedBlake2b *state, const uint8_t *message, size_t length) {
    uint64_t h[8];
    if (length == 0) {
        memcpy(h, state->h, sizeof(h));
        blake2b_compress(h, state->key_block, 128, 1);
        return h[0];
    }
    memcpy(h, state->after_key, sizeof(h));
    uint64_t counter = 128;
    while (length > 128) {
        counter += 128;
        blake2b_compress(h, message, counter, 0);
        message += 128;
        length -= 128;
    }
    uint8_t last[128] = {0};
    memcpy(last, message, length);
    counter += length;
    blake2b_compress(h, last, counter, 1);
    return h[0];
}

/* keyed_hashes(column, count, key) -> uint64 bytes: keyed BLAKE2b-64 of each text (UTF-8), 0 for null. */
static PyObject *keyed_hashes(PyObject *self, PyObject *args) {
    PyObject *column;
    Py_ssize_t count;
    Py_buffer key;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!ny*", &PyTuple_Type, &column, &count, &key)) {
        return NULL;
    }
    PyObject *result = NULL;
    Strings strings;
    memset(&strings, 0, sizeof(strings));
    if (key.len < 1 || key.len > 64) {
        PyErr_SetString(PyExc_ValueError, "a BLAKE2b key has 1 to 64 bytes");
        goto done;
    }
    if (strings_from_tuple(&strings, column, count) < 0) {
        goto done;
    }
    result = PyBytes_FromStringAndSize(NULL, count * (Py_ssize_t)sizeof(uint64_t));
    if (result != NULL) {
        uint64_t *hashes = (uint64_t *)PyBytes_AS_STRING(result);
        KeyedBlake2b state;
        keyed_blake2b_init(&state, (const uint8_t *)key.buf, (size_t)key.len);
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t row = 0; row < count; row++) {
            const unsigned char *text;
            size_t length;
            hashes[row] = strings_get(&strings, row, &text, &length) ? keyed_blake2b_64(&state, text, length) : 0;
        }
        Py_END_ALLOW_THREADS
    }
done:
    strings_close(&strings);
    PyBuffer_Release(&key);
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
    {"similarities", similarities, METH_VARARGS,
     "similarities(left_column, left_count, right_column, right_count, left_rows, right_rows, scorer) "
     "-> float32 ratio / 100 per pair (scorer 0 ratio, 1 token_sort, 2 token_set; NaN: not ASCII or missing)"},
    {"keyed_hashes", keyed_hashes, METH_VARARGS,
     "keyed_hashes(column, count, key) -> uint64 keyed BLAKE2b-64 per text (bytes); 0 = null"},
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
