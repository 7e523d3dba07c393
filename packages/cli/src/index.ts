/** The crossedit command. */
export {};
