#include "CLibEdit.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scalpel_editor {
    EditLine *el;
    History *history;
    char *prompt;   /* owned, never NULL: the string the prompt function hands to libedit */
    void *client;   /* not owned: what key functions get back (the Swift LineEditor) */
};

static char *copy_string(const char *text) {
    size_t size = strlen(text) + 1;
    char *copy = malloc(size);
    if (copy != NULL) memcpy(copy, text, size);
    return copy;
}

static scalpel_editor *editor_of(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}

static char *prompt_of(EditLine *el) {
    return editor_of(el)->prompt;
}

scalpel_editor *scalpel_el_open(const char *prog, int history_size) {
    HistEvent event;
    scalpel_editor *ed = calloc(1, sizeof *ed);
    if (ed == NULL) return NULL;
    setlocale(LC_CTYPE, "");  /* so libedit reads and measures UTF-8 text */
    ed->prompt = copy_string("");
    ed->history = history_init();
    ed->el = el_init(prog, stdin, stdout, stderr);
    if (ed->prompt == NULL || ed->history == NULL || ed->el == NULL) {
        scalpel_el_close(ed);
        return NULL;
    }
    history(ed->history, &event, H_SETSIZE, history_size);
    history(ed->history, &event, H_SETUNIQUE, 1);
    el_set(ed->el, EL_CLIENTDATA, ed);
    el_set(ed->el, EL_EDITOR, "emacs");
    el_set(ed->el, EL_HIST, history, ed->history);
    el_set(ed->el, EL_PROMPT, prompt_of);
    /* Restore the terminal and follow window resizes when a signal arrives while editing. */
    el_set(ed->el, EL_SIGNAL, 1);
    /* While editing, Ctrl-C is a key (bound by the Swift side), not SIGINT. */
    el_set(ed->el, EL_SETTY, "-d", "-isig", (char *)NULL);
    el_set(ed->el, EL_BIND, "^R", "em-inc-search-prev", (char *)NULL);
    return ed;
}

void scalpel_el_close(scalpel_editor *ed) {
    if (ed == NULL) return;
    if (ed->el != NULL) el_end(ed->el);
    if (ed->history != NULL) history_end(ed->history);
    free(ed->prompt);
    free(ed);
}

void scalpel_el_set_client(scalpel_editor *ed, void *client) {
    ed->client = client;
}

void *scalpel_el_client(EditLine *el) {
    scalpel_editor *ed = editor_of(el);
    return ed != NULL ? ed->client : NULL;
}

int scalpel_el_bind_fn(scalpel_editor *ed, const char *name, const char *help, const char *key, scalpel_key_fn fn) {
    if (el_set(ed->el, EL_ADDFN, name, help, fn) != 0) return -1;
    return el_set(ed->el, EL_BIND, key, name, (char *)NULL);
}

const char *scalpel_el_gets(scalpel_editor *ed, const char *prompt, int *count) {
    char *copy = copy_string(prompt);
    if (copy != NULL) {
        free(ed->prompt);
        ed->prompt = copy;
    }
    return el_gets(ed->el, count);
}

void scalpel_el_history_add(scalpel_editor *ed, const char *line) {
    HistEvent event;
    history(ed->history, &event, H_ENTER, line);
}

int scalpel_el_columns(EditLine *el) {
    int columns = 0;
    if (el_get(el, EL_GETTC, "co", &columns, (void *)NULL) != 0 || columns <= 0) return 80;
    return columns;
}

void scalpel_el_write(const char *text) {
    fputs(text, stdout);
    fflush(stdout);
}
