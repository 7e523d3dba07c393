/** IKE: in-context knowledge editing. */
export {};
