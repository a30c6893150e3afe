/**
 * The starter workflows a model repository copies: each has its `.properties.json` in GitHub's
 * starter-workflow format (name, description, iconName, categories, filePatterns, creator), and
 * calls this repository's reusable workflows.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../harness/run-action.js'
import { allUses } from './security-rules.js'
import { readWorkflow } from './workflow-model.js'

const DIR = 'workflows-templates'
const templates = readdirSync(join(repoRoot, DIR))
  .filter(name => name.endsWith('.yml'))
  .sort()
const propertyFiles = readdirSync(join(repoRoot, DIR)).filter(name =>
  name.endsWith('.properties.json')
)

/** The keys GitHub reads from a starter workflow's properties. */
const KEYS = new Set([
  'name',
  'description',
  'iconName',
  'categories',
  'filePatterns',
  'creator',
  'labels'
])
/** starter-workflows' general categories; languages and tech stacks may be added to them. */
const GENERAL_CATEGORIES = [
  'continuous-integration',
  'deployment',
  'testing',
  'code-quality',
  'code-review',
  'dependency-management',
  'monitoring',
  'Automation',
  'utilities',
  'Pages',
  'Hugo'
]

interface Properties {
  name: string
  description: string
  iconName?: string
  categories: string[]
  filePatterns?: string[]
  creator?: string
  labels?: string[]
}

function properties(template: string): Properties {
  return JSON.parse(
    readFileSync(join(repoRoot, DIR, template.replace(/\.yml$/, '.properties.json')), 'utf8')
  )
}

test('there is a pipeline and a rollback dispatcher, and every properties file has its workflow', () => {
  expect(templates).toEqual(['mlops-pipeline.yml', 'mlops-rollback.yml'])
  expect(propertyFiles.map(f => f.replace('.properties.json', '.yml')).sort()).toEqual(templates)
})

test('names are unique', () => {
  const names = templates.map(t => properties(t).name)
  expect(new Set(names).size).toBe(names.length)
})

describe.each(templates)('%s', template => {
  const props = properties(template)

  test('has the properties GitHub reads, and no others', () => {
    expect(Object.keys(props).filter(key => !KEYS.has(key))).toEqual([])
    expect(props.name).toMatch(/\S/)
    expect(props.description.length).toBeGreaterThan(40)
    expect(props.creator).toBe('mlops-actions')
    expect(props.labels).toBeUndefined() // a "preview" label would hide it
  })

  test('has an icon GitHub can show', () => {
    const icon = props.iconName ?? ''
    const octicon = /^octicon [a-z0-9-]+$/.test(icon)
    expect(octicon || existsSync(join(repoRoot, DIR, `${icon}.svg`))).toBe(true)
  })

  test('is listed under at least one general category', () => {
    expect(props.categories.some(c => GENERAL_CATEGORIES.includes(c))).toBe(true)
  })

  test('offers itself to repositories that hold a model project', () => {
    const patterns = (props.filePatterns ?? []).map(p => new RegExp(p))
    expect(patterns.length).toBeGreaterThan(0)
    for (const file of ['Dockerfile', 'Chart.yaml'])
      expect(patterns.some(p => p.test(file))).toBe(true)
    expect(patterns.some(p => p.test('README.md'))).toBe(false)
  })

  test('calls the reusable workflows of org/mlops-actions at @v1', () => {
    const calls = allUses(readWorkflow(`${DIR}/${template}`)).map(u => u.uses)
    expect(calls.length).toBeGreaterThan(0)
    for (const uses of calls)
      expect(uses).toMatch(
        /^org\/mlops-actions\/\.github\/workflows\/(pr-checks|promote|rollback)\.yml@v1$/
      )
  })
})

test('the pipeline and the rollback dispatcher name the same release', () => {
  const pipeline = readWorkflow(`${DIR}/mlops-pipeline.yml`).doc.jobs.promote.with.release
  const rollback = readWorkflow(`${DIR}/mlops-rollback.yml`).doc.jobs.rollback.with.release
  expect(rollback).toBe(pipeline)
})
