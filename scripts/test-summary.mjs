// Prints vitest's JSON report as one plain closing line: "N passed, N failed, N skipped".
import fs from 'node:fs';

const file = process.argv[2] ?? 'build/vitest-report.json';
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
process.exitCode = report.numFailedTests > 0 || report.numTotalTests === 0 ? 1 : 0;
