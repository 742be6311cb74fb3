namespace LensAI.Backend.Ingest;

/// <summary>What is redacted for a project, and whether user ids are hashed.</summary>
public sealed class RedactionOptions
{
    /// <summary>Redact e-mail addresses. Default on.</summary>
    public bool Emails { get; set; } = true;

    /// <summary>Redact phone numbers written as phone numbers (a leading <c>+</c> or grouped digits). Default on.</summary>
    public bool Phones { get; set; } = true;

    /// <summary>Redact payment card numbers (13–19 digits that pass the Luhn check). Default on.</summary>
    public bool Cards { get; set; } = true;

    /// <summary>Redact IBANs (that pass the ISO 7064 mod-97 check). Default on.</summary>
    public bool Ibans { get; set; } = true;

    /// <summary>Redact secrets: provider API keys (<c>sk-…</c>, <c>AKIA…</c>, <c>AIza…</c>, GitHub and Slack tokens), bearer tokens, JWTs, LensAI keys. Default on.</summary>
    public bool Secrets { get; set; } = true;

    /// <summary>
    /// Apply the rules above to <c>user_id</c> too, so an e-mail address (or phone, card, IBAN, secret) used as a user id
    /// is not stored. With a <see cref="UserIdSalt"/> such an id becomes its salted hash (<c>u_</c> + 32 hex: one
    /// person, one key, attribution kept); without one its matches become markers (<c>[email]</c>), like in a route.
    /// Ids that match no rule are stored as sent. Default on.
    /// </summary>
    public bool RedactUserIds { get; set; } = true;

    /// <summary>Replace every <c>user_id</c> with a salted hash (<c>u_</c> + 32 hex): attribution keeps working, no id is stored. Default off.</summary>
    public bool HashUserIds { get; set; }

    /// <summary>
    /// The salt (16 characters or more) for hashed user ids (<see cref="HashUserIds"/>, and the ids
    /// <see cref="RedactUserIds"/> finds personal). A secret: configure it, never commit it. Required when
    /// <see cref="HashUserIds"/> is on.
    /// </summary>
    public string? UserIdSalt { get; set; }
}
