using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace LensAI.Backend.Ingest;

/// <summary>
/// Removes PII and secrets from the free-text fields of an event before anything is written: the fields the contract
/// marks <see cref="UsageEventField.IsRedacted"/> (user_id, the route and metadata values; a test holds the two to each
/// other). Each match is replaced by a marker such as <c>[email]</c> (a personal user id by its salted hash when a salt
/// is configured); everything else is kept verbatim.
/// </summary>
internal sealed partial class PiiRedactor
{
    private readonly RedactionOptions _options;
    private readonly byte[]? _salt;

    public PiiRedactor(RedactionOptions options)
    {
        _options = options;
        if (options.HashUserIds && (string.IsNullOrEmpty(options.UserIdSalt) || options.UserIdSalt.Length < 16))
        {
            throw new ArgumentException("Redaction:UserIdSalt must be at least 16 characters when HashUserIds is on.", nameof(options));
        }

        if (options.UserIdSalt is { Length: >= 16 } salt)
        {
            _salt = Encoding.UTF8.GetBytes(salt);
        }
    }

    /// <summary>Returns the event with user_id, metadata values and route redacted (user_id hashed when configured).</summary>
    public UsageEvent Apply(UsageEvent e, out int redactions)
    {
        redactions = 0;
        var route = e.Route is null ? null : Redact(e.Route, ref redactions);
        Dictionary<string, string>? metadata = null;
        if (e.Metadata is { Count: > 0 } source)
        {
            foreach (var (key, value) in source)
            {
                var clean = Redact(value, ref redactions);
                if (!ReferenceEquals(clean, value))
                {
                    metadata ??= new Dictionary<string, string>(source, StringComparer.Ordinal);
                    metadata[key] = clean;
                }
            }
        }

        var userId = e.UserId is null ? null : RedactUserId(e.UserId, ref redactions);
        if (ReferenceEquals(route, e.Route) && redactions == 0 && ReferenceEquals(userId, e.UserId))
        {
            return e;
        }

        return e with { UserId = userId, Route = route, Metadata = metadata ?? e.Metadata };
    }

    private string RedactUserId(string userId, ref int redactions)
    {
        if (_options.HashUserIds)
        {
            return HashUserId(userId);
        }

        if (!_options.RedactUserIds)
        {
            return userId;
        }

        var found = 0;
        var redacted = Redact(userId, ref found);
        redactions += found;
        return found == 0 ? userId : _salt is not null ? HashUserId(userId) : redacted;
    }

    public string HashUserId(string userId)
    {
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(_salt, Encoding.UTF8.GetBytes(userId), hash);
        return "u_" + Convert.ToHexStringLower(hash[..16]);
    }

    /// <summary>Redacts one string; returns the same instance when nothing matched.</summary>
    public string Redact(string value, ref int redactions)
    {
        if (value.Length < 6)
        {
            return value;
        }

        var result = value;
        if (_options.Secrets && value.Length >= 15)
        {
            result = Replace(SecretPattern(), result, "[secret]", ref redactions);
        }

        if (_options.Emails && result.Contains('@', StringComparison.Ordinal))
        {
            result = Replace(EmailPattern(), result, "[email]", ref redactions);
        }

        var digits = CountDigits(result);
        if (_options.Ibans && digits >= 8)
        {
            result = Replace(IbanPattern(), result, "[iban]", ref redactions, IsValidIban);
        }

        if (_options.Cards && digits >= 13)
        {
            result = Replace(CardPattern(), result, "[card]", ref redactions, m => Luhn(m.AsSpan()));
        }

        if (_options.Phones && CountDigits(result) >= 7)
        {
            result = Replace(PhonePattern(), result, "[phone]", ref redactions, IsPhone);
        }

        return result;
    }

    private static string Replace(Regex pattern, string input, string marker, ref int count, Func<string, bool>? verify = null)
    {
        var found = 0;
        var output = pattern.Replace(input, m =>
        {
            if (verify is not null && !verify(m.Value))
            {
                return m.Value;
            }

            found++;
            return marker;
        });
        count += found;
        return found == 0 ? input : output;
    }

    private static int CountDigits(string s)
    {
        var n = 0;
        foreach (var c in s)
        {
            if (char.IsAsciiDigit(c))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Luhn check over the digits of a card-number candidate (separators ignored).</summary>
    internal static bool Luhn(ReadOnlySpan<char> candidate)
    {
        var sum = 0;
        var count = 0;
        var doubleIt = false;
        for (var i = candidate.Length - 1; i >= 0; i--)
        {
            var c = candidate[i];
            if (!char.IsAsciiDigit(c))
            {
                continue;
            }

            var d = c - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
            count++;
        }

        return count is >= 13 and <= 19 && sum % 10 == 0;
    }

    /// <summary>ISO 13616 IBAN check: move the first four characters to the end, letters to numbers, mod 97 = 1.</summary>
    internal static bool IsValidIban(string candidate)
    {
        var compact = candidate.Replace(" ", "", StringComparison.Ordinal);
        if (compact.Length is < 15 or > 34)
        {
            return false;
        }

        var rearranged = compact[4..] + compact[..4];
        var remainder = 0;
        foreach (var c in rearranged)
        {
            int value;
            if (char.IsAsciiDigit(c))
            {
                value = c - '0';
                remainder = ((remainder * 10) + value) % 97;
            }
            else if (char.IsAsciiLetterUpper(c))
            {
                value = c - 'A' + 10;
                remainder = ((remainder * 100) + value) % 97;
            }
            else
            {
                return false;
            }
        }

        return remainder == 1;
    }

    /// <summary>A phone number: 7–15 digits written with a leading + or with grouping separators, and not a date or a version.</summary>
    private static bool IsPhone(string candidate)
    {
        var digits = CountDigits(candidate);
        if (digits is < 7 or > 15)
        {
            return false;
        }

        if (IsoDate().IsMatch(candidate))
        {
            return false;
        }

        return candidate.StartsWith('+') || candidate.Contains('(', StringComparison.Ordinal) || SeparatedGroups().IsMatch(candidate);
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"\bsk-(?:proj-|ant-(?:api|admin)\d{2}-|svcacct-)?[A-Za-z0-9_\-]{20,}|\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_\-]{35}\b|\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bxox[abposr]-[A-Za-z0-9-]{10,}|\blsk_[A-Za-z0-9]{8}_[A-Za-z0-9]{20,}|(?i:\bbearer\s+)[A-Za-z0-9\-._~+/]{16,}=*|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", RegexOptions.CultureInvariant)]
    private static partial Regex SecretPattern();

    [GeneratedRegex(@"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b", RegexOptions.CultureInvariant)]
    private static partial Regex IbanPattern();

    [GeneratedRegex(@"(?<![\d.-])\d(?:[ -]?\d){12,18}(?![\d.-])", RegexOptions.CultureInvariant)]
    private static partial Regex CardPattern();

    [GeneratedRegex(@"(?<![\w.+-])\+?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\(?\d{1,4}\)?){1,5}(?![\w-])", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}")]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"^\(?\d{2,4}\)?[ .-]\d{2,4}[ .-]\d{2,5}")]
    private static partial Regex SeparatedGroups();
}
