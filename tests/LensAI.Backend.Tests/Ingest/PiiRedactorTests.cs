using LensAI.Backend.Ingest;

namespace LensAI.Backend.Tests.Ingest;

public sealed class PiiRedactorTests
{
    private static readonly PiiRedactor s_redactor = new(new RedactionOptions());

    private static string Redact(string value)
    {
        var n = 0;
        return s_redactor.Redact(value, ref n);
    }

    [Theory]
    [InlineData("contact jane.doe+billing@example.co.uk today", "contact [email] today")]
    [InlineData("ping +1 415 555 0100 please", "ping [phone] please")]
    [InlineData("call (415) 555-0100", "call [phone]")]
    [InlineData("uk: +44 20 7946 0958", "uk: [phone]")]
    [InlineData("+14155550100", "[phone]")]
    [InlineData("card 4111 1111 1111 1111 exp 12/29", "card [card] exp 12/29")]
    [InlineData("4111-1111-1111-1111", "[card]")]
    [InlineData("amex 378282246310005", "amex [card]")]
    [InlineData("iban DE89 3704 0044 0532 0130 00 ok", "iban [iban] ok")]
    [InlineData("GB82WEST12345698765432", "[iban]")]
    [InlineData("key=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv", "key=[secret]")]
    [InlineData("sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345", "[secret]")]
    [InlineData("aws AKIAIOSFODNN7EXAMPLE", "aws [secret]")]
    [InlineData("Authorization: Bearer abcdefghijklmnop.qrstuv-wxyz", "Authorization: [secret]")]
    [InlineData("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "jwt [secret]")]
    [InlineData("google AIzaSyA1234567890abcdefghijklmnopqrstuv", "google [secret]")]
    [InlineData("two a@b.io and c@d.io", "two [email] and [email]")]
    public void Redacts_pii_and_secrets(string input, string expected) => Assert.Equal(expected, Redact(input));

    [Theory]
    [InlineData("2026-11-21")]
    [InlineData("2026-11-21T23:20:00Z")]
    [InlineData("gpt-4o-2024-08-06")]
    [InlineData("claude-sonnet-4-5-20250929")]
    [InlineData("version 1.2.3")]
    [InlineData("order 4111111111111112")] // 16 digits that fail Luhn
    [InlineData("user@localhost")]
    [InlineData("DE00 3704 0044 0532 0130 00")] // fails mod-97
    [InlineData("price 12.50 USD for 3 items")]
    [InlineData("sk-short")]
    [InlineData("conversation c-1234")]
    [InlineData("tokens 1200000")]
    [InlineData("POST /v1/chat/completions")]
    [InlineData("request req_01HXYZABCDEF")]
    public void Leaves_ordinary_values_alone(string input) => Assert.Same(input, Redact(input));

    [Fact]
    public void Apply_redacts_metadata_and_route_and_counts()
    {
        var redacted = s_redactor.Apply(Sample(route: "GET /users/jane@example.com", metadata: new() { ["note"] = "call +1 415 555 0100", ["plan"] = "pro" }), out var count);
        Assert.Equal("GET /users/[email]", redacted.Route);
        Assert.Equal("call [phone]", redacted.Metadata!["note"]);
        Assert.Equal("pro", redacted.Metadata["plan"]);
        Assert.Equal(2, count);
        Assert.Equal("user-1", redacted.UserId);
    }

    [Fact]
    public void Clean_events_are_returned_as_is()
    {
        var clean = Sample(metadata: new() { ["plan"] = "pro" });
        Assert.Same(clean, s_redactor.Apply(clean, out var count));
        Assert.Equal(0, count);
    }

    [Fact]
    public void User_ids_are_hashed_with_the_project_salt_when_configured()
    {
        var a = new PiiRedactor(new RedactionOptions { HashUserIds = true, UserIdSalt = "project-a-salt-0123456789" });
        var b = new PiiRedactor(new RedactionOptions { HashUserIds = true, UserIdSalt = "project-b-salt-0123456789" });
        var hashed = a.Apply(Sample(), out _).UserId!;
        Assert.Matches("^u_[0-9a-f]{32}$", hashed);
        Assert.Equal(hashed, a.Apply(Sample(), out _).UserId); // stable: attribution still works
        Assert.NotEqual(hashed, b.Apply(Sample(), out _).UserId); // salted per project
        Assert.Throws<ArgumentException>(() => new PiiRedactor(new RedactionOptions { HashUserIds = true, UserIdSalt = "short" }));
    }

    [Theory]
    [InlineData("jane.doe@example.com", "[email]")]
    [InlineData("+1 415 555 0100", "[phone]")]
    [InlineData("customer 4111 1111 1111 1111", "customer [card]")]
    [InlineData("sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv", "[secret]")]
    public void A_user_id_that_is_personal_data_is_redacted_by_default(string userId, string stored)
    {
        var redacted = s_redactor.Apply(Sample() with { UserId = userId }, out var count);
        Assert.Equal(stored, redacted.UserId);
        Assert.Equal(1, count);
    }

    [Fact]
    public void With_a_salt_a_personal_user_id_becomes_its_hash_and_other_ids_stay_as_sent()
    {
        var salted = new PiiRedactor(new RedactionOptions { UserIdSalt = "project-a-salt-0123456789" });
        var jane = salted.Apply(Sample() with { UserId = "jane.doe@example.com" }, out var count).UserId!;
        Assert.Matches("^u_[0-9a-f]{32}$", jane);
        Assert.Equal(1, count);
        Assert.Equal(jane, salted.HashUserId("jane.doe@example.com")); // one person, one key: attribution kept
        Assert.NotEqual(jane, salted.Apply(Sample() with { UserId = "john@example.com" }, out _).UserId);
        Assert.Equal("user-1", salted.Apply(Sample(), out _).UserId);
    }

    [Fact]
    public void User_id_redaction_is_a_per_project_setting()
    {
        var off = new PiiRedactor(new RedactionOptions { RedactUserIds = false });
        var e = Sample() with { UserId = "jane.doe@example.com" };
        Assert.Same(e, off.Apply(e, out var count));
        Assert.Equal(0, count);
    }

    [Fact]
    public void Each_kind_can_be_turned_off()
    {
        var none = new PiiRedactor(new RedactionOptions { Emails = false, Phones = false, Cards = false, Ibans = false, Secrets = false });
        var n = 0;
        const string value = "a@b.io +1 415 555 0100 4111 1111 1111 1111 AKIAIOSFODNN7EXAMPLE";
        Assert.Same(value, none.Redact(value, ref n));
    }

    internal static UsageEvent Sample(string? route = null, Dictionary<string, string>? metadata = null) => new()
    {
        EventId = "01JD0000000000000000000000",
        Timestamp = DateTimeOffset.UtcNow,
        UserId = "user-1",
        Route = route,
        Provider = "openai",
        Model = "gpt-4o-mini",
        Operation = "chat",
        Sdk = "test",
        Metadata = metadata,
    };
}
