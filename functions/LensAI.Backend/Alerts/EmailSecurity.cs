namespace LensAI.Backend.Alerts;

/// <summary>How the e-mail channel secures its SMTP connection.</summary>
public enum EmailSecurity
{
    /// <summary>Plain SMTP, upgraded with <c>STARTTLS</c> (required: a server that does not offer it is refused). The default, for port 587.</summary>
    StartTls,

    /// <summary>TLS from the first byte (SMTPS, port 465).</summary>
    SslOnConnect,

    /// <summary>No TLS at all: only for a relay on the same host (the host must be a loopback address or <c>localhost</c>).</summary>
    None,
}
