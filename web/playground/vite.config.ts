import { defineConfig } from 'vite';

import { webAppConfig } from '../vite.shared.ts';

export default defineConfig(webAppConfig('playground'));
