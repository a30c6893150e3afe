import { CommandLineError, splitCommandLine } from '../../../src/lib/model-tests/command-line.js'

describe('splitCommandLine', () => {
  test.each([
    ['python -m pytest', ['python', '-m', 'pytest']],
    ['  python\t-m   pytest \n', ['python', '-m', 'pytest']],
    [`pytest -k 'slow and not gpu'`, ['pytest', '-k', 'slow and not gpu']],
    [`pytest -k "slow and not gpu"`, ['pytest', '-k', 'slow and not gpu']],
    [`pytest --name=it\\'s`, ['pytest', "--name=it's"]],
    [
      `echo "a \\"quoted\\" word" 'single \\ stays'`,
      ['echo', 'a "quoted" word', 'single \\ stays']
    ],
    [`echo "back\\slash"`, ['echo', 'back\\slash']],
    [`echo a""b '' ""`, ['echo', 'ab', '', '']],
    ['echo one\\ word', ['echo', 'one word']],
    ['pytest \\\n  -q', ['pytest', '-q']],
    ['pytest # run everything', ['pytest']],
    ['pytest a#b', ['pytest', 'a#b']],
    [
      `pytest 'tests/test_x.py::test[a-b]' '$HOME' '*.py'`,
      ['pytest', 'tests/test_x.py::test[a-b]', '$HOME', '*.py']
    ],
    ['echo $ 5$', ['echo', '$', '5$']],
    [`pytest "a|b" 'c;d' "e && f"`, ['pytest', 'a|b', 'c;d', 'e && f']],
    ['', []]
  ])('%j splits into %j, expanding nothing', (line, words) => {
    expect(splitCommandLine(line)).toEqual(words)
  })

  test.each([
    [`pytest -k 'unclosed`, 'unclosed single quote', 11],
    [`pytest -k "unclosed`, 'unclosed double quote', 11],
    ['pytest \\', 'a backslash ends the command', 8],
    ['pytest && echo done', '"&" is shell syntax', 8],
    ['pytest | tee log', '"|" is shell syntax', 8],
    ['pytest > out.txt', '">" is shell syntax', 8],
    ['pytest; rm -rf /', '";" is shell syntax', 7],
    ['pytest $(id)', '$( would be expanded by a shell', 8],
    ['pytest --junitxml=$RUNNER_TEMP/j.xml', '$R would be expanded by a shell', 19],
    ['pytest "${HOME}"', '${ would be expanded by a shell', 9],
    ['pytest `id`', '` would be expanded by a shell', 8]
  ])('%j is refused: %s (at character %i)', (line, reason, position) => {
    let thrown: unknown
    try {
      splitCommandLine(line)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(CommandLineError)
    expect((thrown as CommandLineError).message).toContain(reason)
    expect((thrown as CommandLineError).position).toBe(position)
  })
})
