// Syntax highlighting for the diff: refractor (Prism's grammars producing a syntax tree, rendered as React elements,
// never as HTML strings), with the languages agents mostly write. Unknown extensions are shown plain.
import { refractor } from 'refractor/core';
import bash from 'refractor/bash';
import c from 'refractor/c';
import cpp from 'refractor/cpp';
import css from 'refractor/css';
import go from 'refractor/go';
import java from 'refractor/java';
import javascript from 'refractor/javascript';
import json from 'refractor/json';
import jsx from 'refractor/jsx';
import markdown from 'refractor/markdown';
import markup from 'refractor/markup';
import python from 'refractor/python';
import ruby from 'refractor/ruby';
import rust from 'refractor/rust';
import sql from 'refractor/sql';
import tsx from 'refractor/tsx';
import typescript from 'refractor/typescript';
import yaml from 'refractor/yaml';

for (const lang of [markup, css, c, javascript, typescript, jsx, tsx, bash, cpp, go, java, json, markdown, python, ruby, rust, sql, yaml]) refractor.register(lang);

/** The shape react-diff-view's tokenizer expects (refractor 3's `highlight` returned the children array). */
export const highlighter = {
  highlight: (text: string, language: string) => refractor.highlight(text, language).children as never,
};
