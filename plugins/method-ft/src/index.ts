/** FT: fine-tuning one weight, optional L-infinity constraint. */
export {};
