using System.Text;
using LensAI.Backend.Alerts;
using LensAI.Testing;
using Microsoft.AspNetCore.Http;

namespace LensAI.Backend.Tests.Alerts;

public sealed class SlackSignatureTests
{
    // An independent vector: the docs corpus did not hold Slack's own worked example in full, so this one was computed
    // once with Node's crypto (not with the code under test) and hard-coded:
    //   node -e 'const c=require("crypto"); console.log("v0="+c.createHmac("sha256",SECRET).update("v0:"+TS+":"+BODY).digest("hex"))'
    // with SECRET, TS and BODY as below. TS is 2026-11-21T12:00:00Z, the FakeTimeProvider's default start.
    private const string Secret = "lensai-test-signing-secret-0001";
    private const string Timestamp = "1795262400";
    private const string Body = "payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5B%7B%22action_id%22%3A%22lensai_override_1h%22%7D%5D%7D";
    private const string Signature = "v0=4728af495b283124e12de5aa4361bdddaf1a2f7a99fe47af212ed128b4b66f7b";

    private static readonly byte[] BodyBytes = Encoding.UTF8.GetBytes(Body);
    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(Timestamp, System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Computes_the_independent_vector() => Assert.Equal(Signature, SlackSignature.Compute(Secret, Timestamp, BodyBytes));

    [Fact]
    public void A_good_signature_within_the_window_is_valid()
    {
        Assert.True(SlackSignature.Verify(Secret, Timestamp, Signature, BodyBytes, SignedAt).IsValid);
        Assert.True(SlackSignature.Verify(Secret, Timestamp, Signature, BodyBytes, SignedAt.AddMinutes(4).AddSeconds(59)).IsValid);
        Assert.True(SlackSignature.Verify(Secret, Timestamp, Signature.ToUpperInvariant().Replace("V0=", "v0=", StringComparison.Ordinal), BodyBytes, SignedAt).IsValid);
    }

    [Fact]
    public void A_changed_body_secret_or_signature_is_a_bad_signature()
    {
        var tampered = Encoding.UTF8.GetBytes(Body.Replace("override_1h", "raise_10", StringComparison.Ordinal));
        Assert.Equal(SignatureFailure.BadSignature, SlackSignature.Verify(Secret, Timestamp, Signature, tampered, SignedAt).Failure);
        Assert.Equal(SignatureFailure.BadSignature, SlackSignature.Verify("another-secret", Timestamp, Signature, BodyBytes, SignedAt).Failure);
        var flipped = Signature[..^1] + (Signature[^1] == '0' ? '1' : '0');
        var result = SlackSignature.Verify(Secret, Timestamp, flipped, BodyBytes, SignedAt);
        Assert.Equal(SignatureFailure.BadSignature, result.Failure);
        Assert.DoesNotContain(Signature[3..], result.Reason, StringComparison.Ordinal); // the expected MAC is never disclosed
    }

    [Fact]
    public void A_replay_with_its_old_timestamp_is_stale_and_a_fresh_timestamp_breaks_the_signature()
    {
        var sixMinutesLater = SignedAt.AddMinutes(6);
        var replay = SlackSignature.Verify(Secret, Timestamp, Signature, BodyBytes, sixMinutesLater);
        Assert.Equal(SignatureFailure.Stale, replay.Failure);
        Assert.Contains("360 s old", replay.Reason, StringComparison.Ordinal);

        var freshTimestamp = sixMinutesLater.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(SignatureFailure.BadSignature, SlackSignature.Verify(Secret, freshTimestamp, Signature, BodyBytes, sixMinutesLater).Failure);

        Assert.Equal(SignatureFailure.Stale, SlackSignature.Verify(Secret, Timestamp, Signature, BodyBytes, SignedAt.AddMinutes(-6)).Failure);
    }

    [Theory]
    [InlineData(null, Signature, nameof(SignatureFailure.MissingHeader), "X-Slack-Request-Timestamp")]
    [InlineData(Timestamp, null, nameof(SignatureFailure.MissingHeader), "X-Slack-Signature")]
    [InlineData("", "", nameof(SignatureFailure.MissingHeader), "missing")]
    [InlineData("yesterday", Signature, nameof(SignatureFailure.MalformedHeader), "unix time")]
    [InlineData("-1795262400", Signature, nameof(SignatureFailure.MalformedHeader), "unix time")]
    [InlineData(Timestamp, "v1=4728af495b283124e12de5aa4361bdddaf1a2f7a99fe47af212ed128b4b66f7b", nameof(SignatureFailure.MalformedHeader), "v0=")]
    [InlineData(Timestamp, "v0=4728af495b", nameof(SignatureFailure.MalformedHeader), "64 hex")]
    [InlineData(Timestamp, "v0=zz28af495b283124e12de5aa4361bdddaf1a2f7a99fe47af212ed128b4b66f7b", nameof(SignatureFailure.MalformedHeader), "64 hex")]
    public void Missing_or_malformed_headers_are_refused_with_a_reason(string? timestamp, string? signature, string failure, string reason)
    {
        // The failure by name: the enum is internal to the backend, and a public test method cannot take it.
        var result = SlackSignature.Verify(Secret, timestamp, signature, BodyBytes, SignedAt);
        Assert.False(result.IsValid);
        Assert.Equal(Enum.Parse<SignatureFailure>(failure), result.Failure);
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void No_configured_secret_refuses_everything()
    {
        Assert.Equal(SignatureFailure.NoSecret, SlackSignature.Verify(null, Timestamp, Signature, BodyBytes, SignedAt).Failure);
        Assert.Equal(SignatureFailure.NoSecret, SlackSignature.Verify("", Timestamp, Signature, BodyBytes, SignedAt).Failure);
    }

    [Fact]
    public void Verifies_an_aspnet_request_against_the_time_provider()
    {
        var headers = new HeaderDictionary
        {
            [SlackSignature.TimestampHeader] = Timestamp,
            [SlackSignature.SignatureHeader] = Signature,
        };
        var time = new FakeTimeProvider(SignedAt);
        Assert.True(SlackSignature.Verify(Secret, headers, BodyBytes, time).IsValid);
        time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        Assert.Equal(SignatureFailure.Stale, SlackSignature.Verify(Secret, headers, BodyBytes, time).Failure);
    }
}
