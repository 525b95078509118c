/*
 * Small C helpers over libedit for the Swift line editor.
 *
 * Swift cannot call C variadic functions (el_set, el_get, history) and, in Swift 6 mode,
 * must not touch the C globals stdin/stdout/stderr; these helpers do both on its behalf.
 */
#ifndef SCALPEL_CLIBEDIT_H
#define SCALPEL_CLIBEDIT_H

#include <histedit.h>

/* An editor: an EditLine with its history and a prompt owned by the editor. */
typedef struct scalpel_editor scalpel_editor;

/* A key function: receives the EditLine and the key, returns a CC_* code. */
typedef unsigned char (*scalpel_key_fn)(EditLine *el, int key);

/* Opens an emacs-mode editor on stdin/stdout/stderr that keeps at most history_size lines. */
scalpel_editor *scalpel_el_open(const char *prog, int history_size);

/* Ends the editor, restores the terminal and frees everything it owns. */
void scalpel_el_close(scalpel_editor *ed);

/* Stores an opaque pointer that key functions get back with scalpel_el_client. */
void scalpel_el_set_client(scalpel_editor *ed, void *client);

/* The pointer stored with scalpel_el_set_client, from the EditLine a key function receives. */
void *scalpel_el_client(EditLine *el);

/* Registers fn under name and binds it to key (in bind(1) notation, e.g. "^I"); 0 on success. */
int scalpel_el_bind_fn(scalpel_editor *ed, const char *name, const char *help, const char *key, scalpel_key_fn fn);

/* Shows prompt and reads a line (with its newline); NULL at end of input or on error (see count). */
const char *scalpel_el_gets(scalpel_editor *ed, const char *prompt, int *count);

/* Adds line to the in-memory history (a line equal to the previous one is not stored). */
void scalpel_el_history_add(scalpel_editor *ed, const char *line);

/* The terminal width in columns (80 when unknown). */
int scalpel_el_columns(EditLine *el);

/* Writes text to standard output and flushes it. */
void scalpel_el_write(const char *text);

#endif
