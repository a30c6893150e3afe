import {
  escapeRegex,
  longestRangeMs,
  quoteString,
  renderQuery
} from '../../../src/lib/prometheus/promql.js'
import { firingAlertsQuery, parseAlertNames } from '../../../src/lib/canary/alerts.js'

describe('renderQuery', () => {
  it('replaces the selector, the interval and the window, with or without spaces in the braces', () => {
    expect(
      renderQuery('sum(rate(x{ {{selector}}, code=~"5.." }[{{ interval }}])) / {{window}}', {
        selector: 'track="canary"',
        intervalMs: 90_000,
        windowMs: 300_000
      })
    ).toBe('sum(rate(x{ track="canary", code=~"5.." }[1m30s])) / 5m')
    expect(renderQuery('rate(x[{{interval}}])', { selector: '', intervalMs: 30_000 })).toBe(
      'rate(x[30s])'
    )
    expect(renderQuery('rate(x[{{interval}}])', { selector: '', intervalMs: 500 })).toBe(
      'rate(x[500ms])'
    )
  })

  it('leaves {{window}} and unknown placeholders as written when there is no value', () => {
    expect(renderQuery('x[{{window}}] {{other}}', { selector: '', intervalMs: 1000 })).toBe(
      'x[{{window}}] {{other}}'
    )
  })
})

describe('PromQL text', () => {
  it('escapes regular-expression metacharacters', () => {
    expect(escapeRegex('a.b|c(d)*+?[e]{f}^$\\')).toBe(
      'a\\.b\\|c\\(d\\)\\*\\+\\?\\[e\\]\\{f\\}\\^\\$\\\\'
    )
  })

  it('quotes a string literal', () => {
    expect(quoteString('say "hi"\\')).toBe('"say \\"hi\\"\\\\"')
  })

  it('finds the longest range selector, subqueries included', () => {
    expect(longestRangeMs('rate(a[30s]) / rate(b[2m])')).toBe(120_000)
    expect(longestRangeMs('max_over_time(rate(a[1m])[5m:30s])')).toBe(300_000)
    expect(longestRangeMs('sum(a)')).toBeUndefined()
  })
})

describe('alerts', () => {
  it('builds one query for all names, with regex metacharacters escaped inside the string literal', () => {
    expect(firingAlertsQuery(['HighErrorRate', 'Model.Drift'])).toBe(
      'ALERTS{alertstate="firing", alertname=~"HighErrorRate|Model\\\\.Drift"}'
    )
  })

  it('validates and deduplicates alert names', () => {
    expect(parseAlertNames(['A', 'B', 'A'])).toEqual(['A', 'B'])
    expect(() => parseAlertNames(['ok', 'bad name|x'])).toThrow(
      'Input "alerts" is "bad name|x"; accepted: alert names'
    )
  })
})
