/** The word list of the statistics and locate-edit tests: the tiny tokenizer's vocabulary and the random corpus's words. */

/** The test vocabulary's words (`tinySetup`'s tokenizer is `pieceTokenizer(TEST_WORDS)`). */
export const TEST_WORDS: readonly string[] = (
  'the a an of in on at to is was are be by for with from as and or not it this that what which who where when how ' +
  'capital city country river language president author born located plays sport team works company founded ' +
  'France Paris Germany Berlin Italy Rome Spain Madrid Japan Tokyo China Beijing England London Canada Ottawa ' +
  'Danielle Darrieux Einstein Newton Curie Picasso Mozart Shakespeare Toyota Apple Nokia Finland Sweden Norway ' +
  'English French German Italian Spanish Japanese Chinese football tennis chess piano violin guitar ' +
  'The Therefore Because I You We They He She It one two three red blue green big small old new good bad'
).split(' ');
