/** Bi-ZsRE datasets, scorers, edit-evaluate-restore schedules and results (protobuf + JSON). */
export {};
