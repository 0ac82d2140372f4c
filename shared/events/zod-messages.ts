/**
 * zod's English messages for the schemas built with zod/mini. The classic build installs them when it is
 * imported; zod/mini leaves the choice to its user, and a function that checks its event with zod/mini alone
 * must still say "expected string, received number" to a caller who sent the wrong thing.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());
