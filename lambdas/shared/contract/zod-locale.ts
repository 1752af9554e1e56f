/**
 * zod/mini registers no locale, so every message would read "Invalid input". Every module that
 * declares schemas imports this first: English messages, as full zod has them. Only when none is
 * set, so a locale chosen elsewhere wins. `zod/locales`' `en` alone, not `z.locales`, which would
 * bundle every language.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

if (!z.config().localeError) z.config(en());
