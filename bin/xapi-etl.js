#!/usr/bin/env node
// Machines here run Node 20; the AWS SDK's notice that it will later need Node 22 is not for our users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The CLI runs from the compiled dist/ (built by `npm install` through the prepare script).
import('../dist/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/main.js')) {
    console.error('xapi-etl: not built yet; run `npm run build` (npm install does it for you).');
    process.exit(1);
  }
  throw error;
});
