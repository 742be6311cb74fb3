using System.Text.RegularExpressions;

namespace LensAI.Testing;

/// <summary>
/// The shell commands written in docs/ and the README, so tests run exactly what a reader copies. A command block is a
/// fenced <c>bash</c>/<c>sh</c>/<c>shell</c>/<c>console</c> block preceded by <c>&lt;!-- command: id --&gt;</c>; a test
/// reads it with <see cref="Lines"/> and runs it. DocsTests fails when a command block has no id or no test reads it.
/// </summary>
public static partial class DocCommands
{
    /// <summary>One command block of a Markdown file.</summary>
    /// <param name="File">Path relative to the repository root, with forward slashes.</param>
    /// <param name="Id">The id from the <c>command:</c> comment, or <see langword="null"/> when the block has none.</param>
    /// <param name="Line">1-based line of the opening fence.</param>
    /// <param name="Commands">The commands: comments and blank lines dropped, trailing <c>\</c> continuations joined.</param>
    public sealed record Block(string File, string? Id, int Line, IReadOnlyList<string> Commands);

    /// <summary>The commands of block <paramref name="id"/> in <paramref name="relativePath"/> (e.g. <c>docs/cli.md</c>).</summary>
    public static IReadOnlyList<string> Lines(string relativePath, string id)
    {
        var blocks = Parse(relativePath).Where(b => b.Id == id).ToList();
        return blocks.Count switch
        {
            1 => blocks[0].Commands,
            0 => throw new InvalidOperationException($"{relativePath} has no command block with id '{id}'."),
            _ => throw new InvalidOperationException($"{relativePath} has {blocks.Count} command blocks with id '{id}'."),
        };
    }

    /// <summary>The single command of block <paramref name="id"/>.</summary>
    public static string Single(string relativePath, string id)
    {
        var lines = Lines(relativePath, id);
        return lines.Count == 1 ? lines[0] : throw new InvalidOperationException($"{relativePath}#{id} has {lines.Count} commands, expected one.");
    }

    /// <summary>
    /// Splits a command line into arguments the way a POSIX shell would for the simple cases the docs use: whitespace,
    /// single and double quotes. Anything fancier (pipes, redirects, variables) throws so a test cannot silently run
    /// something other than what the doc says.
    /// </summary>
    public static IReadOnlyList<string> SplitArguments(string command)
    {
        var args = new List<string>();
        var current = new System.Text.StringBuilder();
        var inArg = false;
        char quote = '\0';
        foreach (var c in command)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    inArg = true;
                    break;
                case ' ' or '\t':
                    if (inArg)
                    {
                        args.Add(current.ToString());
                        current.Clear();
                        inArg = false;
                    }

                    break;
                case '|' or '>' or '<' or '$' or ';' or '&' or '`':
                    throw new InvalidOperationException($"'{command}' uses shell syntax ('{c}') that SplitArguments does not interpret.");
                default:
                    current.Append(c);
                    inArg = true;
                    break;
            }
        }

        if (quote != '\0')
        {
            throw new InvalidOperationException($"'{command}' has an unterminated quote.");
        }

        if (inArg)
        {
            args.Add(current.ToString());
        }

        return args;
    }

    /// <summary>
    /// The text of the fenced block of any language (SQL, JSON, …) preceded by <c>&lt;!-- command: id --&gt;</c>, for
    /// tests that run a query or load a file exactly as the page shows it.
    /// </summary>
    public static string Code(string relativePath, string id)
    {
        var lines = File.ReadAllLines(RepositoryPaths.Combine(relativePath.Split('/')));
        var marker = Array.FindIndex(lines, l => IdComment().Match(l.Trim()) is { Success: true } m && m.Groups[1].Value == id);
        if (marker < 0 || marker + 1 >= lines.Length || !lines[marker + 1].Trim().StartsWith("```", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{relativePath} has no fenced block right after <!-- command: {id} -->.");
        }

        var end = Array.FindIndex(lines, marker + 2, l => l.Trim().StartsWith("```", StringComparison.Ordinal));
        return string.Join('\n', lines[(marker + 2)..end]);
    }

    /// <summary>Every command block of one Markdown file.</summary>
    public static IReadOnlyList<Block> Parse(string relativePath)
    {
        var lines = File.ReadAllLines(RepositoryPaths.Combine(relativePath.Split('/')));
        var blocks = new List<Block>();
        string? pendingId = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (IdComment().Match(line) is { Success: true } m)
            {
                pendingId = m.Groups[1].Value;
                continue;
            }

            if (!line.StartsWith("```", StringComparison.Ordinal))
            {
                if (line.Length > 0)
                {
                    pendingId = null;
                }

                continue;
            }

            var language = line[3..].Trim();
            var start = i;
            var body = new List<string>();
            for (i++; i < lines.Length && !lines[i].Trim().StartsWith("```", StringComparison.Ordinal); i++)
            {
                body.Add(lines[i]);
            }

            // A fence without a language whose first line runs a tool is a command block too (so it needs an id).
            var looksLikeCommand = language.Length == 0 && body.FirstOrDefault(l => l.Trim().Length > 0) is { } first
                && ShellTools.Any(t => first.TrimStart().StartsWith(t + " ", StringComparison.Ordinal));
            if (language is "bash" or "sh" or "shell" or "console" || looksLikeCommand)
            {
                blocks.Add(new Block(relativePath, pendingId, start + 1, JoinCommands(body)));
            }

            pendingId = null;
        }

        return blocks;
    }

    private static List<string> JoinCommands(List<string> body)
    {
        var commands = new List<string>();
        var pending = "";
        foreach (var raw in body)
        {
            var line = raw.Trim();
            if (line.StartsWith("$ ", StringComparison.Ordinal))
            {
                line = line[2..];
            }

            if (pending.Length == 0 && (line.Length == 0 || line.StartsWith('#')))
            {
                continue;
            }

            var hash = line.IndexOf(" #", StringComparison.Ordinal);
            if (hash >= 0 && !line[..hash].Contains('\'') && !line[..hash].Contains('"'))
            {
                line = line[..hash].TrimEnd();
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1].TrimEnd() + " ";
                continue;
            }

            commands.Add((pending + line).Trim());
            pending = "";
        }

        if (pending.Length > 0)
        {
            commands.Add(pending.Trim());
        }

        return commands;
    }

    private static readonly string[] ShellTools = ["dotnet", "curl", "lensai", "az", "npm", "npx", "git", "duckdb", "docker", "export", "cd"];

    [GeneratedRegex(@"^<!--\s*command:\s*([A-Za-z0-9_.\-]+)\s*-->$")]
    private static partial Regex IdComment();
}
