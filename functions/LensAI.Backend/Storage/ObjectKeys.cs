namespace LensAI.Backend.Storage;

/// <summary>
/// The key rules every adapter enforces the same way, so a key that works on the local folder works on S3 and
/// Azure Blob too: '/'-separated, relative, no empty, <c>.</c> or <c>..</c> segments, no backslashes or control
/// characters, at most 1,024 characters.
/// </summary>
internal static class ObjectKeys
{
    /// <summary>The longest key accepted (S3's limit; Azure allows a little more).</summary>
    public const int MaxLength = 1024;

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="key"/> when it breaks a rule.</summary>
    public static void Validate(string key, string parameterName = "key")
    {
        var problem = Problem(key);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid object key '{Printable(key)}': {problem}.", parameterName);
        }
    }

    /// <summary>Checks a list prefix: empty, or a key start (it may end with '/').</summary>
    public static void ValidatePrefix(string prefix, string parameterName = "prefix")
    {
        ArgumentNullException.ThrowIfNull(prefix, parameterName);
        if (prefix.Length == 0)
        {
            return;
        }

        var trimmed = prefix.EndsWith('/') ? prefix[..^1] : prefix;
        var problem = trimmed.Length == 0 ? "it is only '/'" : Problem(trimmed);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid object key prefix '{Printable(prefix)}': {problem}.", parameterName);
        }
    }

    /// <summary>Normalizes a configured key prefix: no leading '/', exactly one trailing '/', or empty.</summary>
    public static string NormalizeRootPrefix(string? prefix)
    {
        if (string.IsNullOrWhiteSpace(prefix))
        {
            return "";
        }

        var trimmed = prefix.Trim().Trim('/');
        return trimmed.Length == 0 ? "" : trimmed + "/";
    }

    internal static string? Problem(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "it is empty";
        }

        if (key.Length > MaxLength)
        {
            return $"it is longer than {MaxLength} characters";
        }

        if (key.Contains('\\', StringComparison.Ordinal))
        {
            return "it contains a backslash (use '/')";
        }

        if (key[0] == '/' || Path.IsPathRooted(key) || (key.Length >= 2 && key[1] == ':'))
        {
            return "it is absolute (keys are relative, '/'-separated)";
        }

        foreach (var c in key)
        {
            if (char.IsControl(c))
            {
                return "it contains a control character";
            }
        }

        foreach (var segment in key.Split('/'))
        {
            if (segment.Length == 0)
            {
                return "it has an empty segment ('//' or a trailing '/')";
            }

            if (segment is "." or "..")
            {
                return "it has a '.' or '..' segment";
            }
        }

        return null;
    }

    private static string Printable(string? key)
    {
        if (key is null)
        {
            return "(null)";
        }

        var shown = key.Length > 200 ? key[..200] + "…" : key;
        return string.Create(shown.Length, shown, static (span, s) =>
        {
            for (var i = 0; i < s.Length; i++)
            {
                span[i] = char.IsControl(s[i]) ? '?' : s[i];
            }
        });
    }
}
