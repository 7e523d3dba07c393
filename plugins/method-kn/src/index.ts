/** KN: knowledge neurons. */
export {};
