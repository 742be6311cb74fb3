using System.Diagnostics.CodeAnalysis;

namespace LensAI.Backend.Keys;

/// <summary>
/// A project API key as presented, <c>lsk_&lt;prefix&gt;_&lt;secret&gt;</c>: the one place its format is read. The
/// <see cref="Prefix"/> is public (it names the key in lists, logs and rate-limit buckets); <see cref="Value"/> is the
/// secret whole and is never logged.
/// </summary>
internal readonly record struct ApiKey
{
    private const string Scheme = "lsk_";
    private const int PrefixLength = 8;
    private const int SecretLength = 32;
    private const string Bearer = "Bearer ";

    private ApiKey(string value) => Value = value;

    /// <summary>The whole key (secret).</summary>
    public string Value { get; }

    /// <summary>The key's public 8-character prefix.</summary>
    public string Prefix => Value.Substring(Scheme.Length, PrefixLength);

    /// <summary>A new key from its two random parts.</summary>
    internal static ApiKey Create(string prefix, string secret) => new($"{Scheme}{prefix}_{secret}");

    /// <summary>Whether <paramref name="text"/> is shaped like a key (it says nothing of whether the key is valid).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out ApiKey key)
    {
        key = default;
        if (text is null || text.Length != Scheme.Length + PrefixLength + 1 + SecretLength
            || !text.StartsWith(Scheme, StringComparison.Ordinal) || text[Scheme.Length + PrefixLength] != '_')
        {
            return false;
        }

        key = new ApiKey(text);
        return true;
    }

    /// <summary>
    /// The key of an <c>Authorization</c> header value: <paramref name="hasBearer"/> says whether it used the Bearer
    /// scheme; the result is false when it did not, or the credential is not shaped like a key.
    /// </summary>
    public static bool TryParseAuthorization(string? header, out bool hasBearer, out ApiKey key)
    {
        hasBearer = header is not null && header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase);
        key = default;
        return hasBearer && TryParse(header![Bearer.Length..].Trim(), out key);
    }

    /// <summary>
    /// The prefix of <paramref name="prefixOrKey"/> when it is a whole key, else the text as given: what a command may
    /// echo back, so a secret pasted by mistake never reaches a terminal or a log.
    /// </summary>
    public static string PrefixOf(string prefixOrKey) => TryParse(prefixOrKey, out var key) ? key.Prefix : prefixOrKey;

    /// <summary>The prefix only: a key is never written out whole by accident.</summary>
    public override string ToString() => Value is null ? "" : $"{Scheme}{Prefix}_…";
}
