// Prints vitest's JSON reports as one plain closing line: "N passed, N failed, N skipped".
import fs from 'node:fs';

const files = process.argv.length > 2 ? process.argv.slice(2) : ['build/vitest-report.json'];
const total = { passed: 0, failed: 0, skipped: 0, all: 0 };
for (const file of files) {
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  total.passed += report.numPassedTests;
  total.failed += report.numFailedTests;
  total.skipped += report.numPendingTests + report.numTodoTests;
  total.all += report.numTotalTests;
}
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exitCode = total.failed > 0 || total.all === 0 ? 1 : 0;
