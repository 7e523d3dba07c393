#!/usr/bin/env node
// runs the CLI (dist/main.js starts itself when it is the entry point)
import "../dist/main.js";
