namespace LensAI.Backend.Billing;

/// <summary>What a meter event's value counts.</summary>
public enum StripeValueUnit
{
    /// <summary>Cost in millionths of a US dollar (<c>micro_usd</c>): $0.25 → 250000.</summary>
    MicroUsd,

    /// <summary>Tokens, input and output together (<c>tokens</c>).</summary>
    Tokens,
}
