/**
 * What a safety-check run reports: the table on stdout (check, metric, value, bound, verdict), JUnit
 * XML for CI systems (one testcase per check × metric, the check as its class), and Markdown (for
 * $GITHUB_STEP_SUMMARY). All three are functions of the rows alone.
 */
import { formatBound, formatNumber, type Row } from './verdict.js';

export const TABLE_HEAD = ['check', 'metric', 'value', 'bound', 'verdict'] as const;

function cells(r: Row): string[] {
  return [r.check, r.metric, formatNumber(r.value), formatBound(r.bound), r.pass ? 'pass' : 'FAIL'];
}

export function formatTable(rows: readonly Row[]): string {
  const all = [[...TABLE_HEAD], ...rows.map(cells)];
  const widths = TABLE_HEAD.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => (c === 2 ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(all[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

/** One line per failing row: check, metric, value, bound and where it came from. */
export function failureLine(r: Row): string {
  const why = [r.bound.derivation, r.where].filter((s) => s).join('; ');
  return `${r.check}: ${r.metric} = ${formatNumber(r.value)}, expected ${formatBound(r.bound)}${why ? ` (${why})` : ''}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function verdictLine(rows: readonly Row[]): string {
  const checks = new Set(rows.map((r) => r.check)).size;
  const failed = rows.filter((r) => !r.pass);
  if (failed.length === 0) return `all ${plural(rows.length, 'bound')} of ${plural(checks, 'check')} hold`;
  const failedChecks = new Set(failed.map((r) => r.check)).size;
  return `${failed.length} of ${plural(rows.length, 'bound')} regressed in ${failedChecks} of ${plural(checks, 'check')}`;
}

const XML_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for XML attributes and content; drops characters XML 1.0 cannot carry. */
export function xmlEscape(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => XML_ESC[c]!);
}

export function junitXml(rows: readonly Row[], opts: { suiteName: string; seconds: number }): string {
  const failures = rows.filter((r) => !r.pass).length;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const secs = (x: number) => x.toFixed(3);
  out.push(`<testsuites name="rome-gym safety-check" tests="${rows.length}" failures="${failures}" errors="0" time="${secs(opts.seconds)}">`);
  const byCheck = new Map<string, Row[]>();
  for (const r of rows) byCheck.set(r.check, [...(byCheck.get(r.check) ?? []), r]);
  for (const [check, rs] of byCheck) {
    const f = rs.filter((r) => !r.pass).length;
    out.push(`  <testsuite name="${xmlEscape(`${opts.suiteName}/${check}`)}" tests="${rs.length}" failures="${f}" errors="0" skipped="0" time="${secs(rs[0]!.seconds)}">`);
    out.push(`    <properties><property name="kind" value="${rs[0]!.kind}"/><property name="description" value="${xmlEscape(rs[0]!.description)}"/></properties>`);
    for (const r of rs) {
      const head = `    <testcase classname="${xmlEscape(check)}" name="${xmlEscape(r.metric)}" time="${secs(r.seconds / rs.length)}"`;
      const detail = `value ${formatNumber(r.value)}, bound ${formatBound(r.bound)}${r.bound.derivation ? ` (${r.bound.derivation})` : ''}${r.where ? `; ${r.where}` : ''}`;
      if (r.pass) {
        out.push(`${head}><system-out>${xmlEscape(detail)}</system-out></testcase>`);
      } else {
        out.push(`${head}>`);
        out.push(`      <failure message="${xmlEscape(`${r.metric} = ${formatNumber(r.value)}, expected ${formatBound(r.bound)}`)}" type="SafetyRegression">${xmlEscape(failureLine(r))}</failure>`);
        out.push('    </testcase>');
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdown(rows: readonly Row[], opts: { suiteName: string; seconds: number; backend: string | null }): string {
  const failed = rows.filter((r) => !r.pass);
  const out: string[] = [];
  out.push(`## Safety check: ${failed.length === 0 ? 'all bounds hold' : `${failed.length} regression${failed.length === 1 ? '' : 's'}`}`);
  out.push('');
  out.push(`Suite \`${opts.suiteName}\`: ${verdictLine(rows)} (${opts.seconds.toFixed(0)} s${opts.backend ? `, tfjs backend ${opts.backend}` : ''}).`);
  out.push('');
  out.push(`| ${TABLE_HEAD.join(' | ')} |`);
  out.push('| --- | --- | ---: | --- | --- |');
  for (const r of rows) {
    const c = cells(r);
    out.push(`| ${[`\`${c[0]}\``, `\`${c[1]}\``, c[2]!, mdCell(c[3]!), r.pass ? 'pass' : '**FAIL**'].join(' | ')} |`);
  }
  if (failed.length > 0) {
    out.push('');
    out.push('### Regressions');
    out.push('');
    for (const r of failed) out.push(`- ${mdCell(failureLine(r))}`);
  }
  return out.join('\n') + '\n';
}
