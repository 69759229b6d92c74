import { defineConfig } from 'vite';

import { webAppConfig } from '../vite.shared.ts';

/** The dashboard, served by the API at `/` (src/api/dashboard.ts). */
export default defineConfig(webAppConfig('dashboard'));
