using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Search;

/// <summary>
/// One configuration the compiler can train: an algorithm, its complete settings (the family's
/// "model.&lt;name&gt;" JSON with defaults filled in) and the features it reads (names, in .hspec order).
/// </summary>
public sealed class TrialConfig
{
    public TrialConfig(string algorithm, JObject settings, IReadOnlyList<string> features)
    {
        Algorithm = algorithm;
        Settings = (JObject)JToken.Parse(FamilySpaces.Canonical(settings));
        Features = features;
        Canonical = FamilySpaces.Canonical(ToJson());
        Key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical))).Substring(0, 32);
    }

    public string Algorithm { get; }

    public JObject Settings { get; }

    public IReadOnlyList<string> Features { get; }

    /// <summary>Sorted-key JSON: equal configurations have equal text.</summary>
    public string Canonical { get; }

    /// <summary>The configuration's file name in the trial store.</summary>
    public string Key { get; }

    public JObject ToJson() => new()
    {
        ["algorithm"] = Algorithm,
        ["settings"] = Settings.DeepClone(),
        ["features"] = new JArray(Features),
    };

    public static TrialConfig? FromJson(JToken? token)
    {
        if (token is not JObject obj || obj["algorithm"] is not JValue { Type: JTokenType.String } algorithm
            || obj["settings"] is not JObject settings || obj["features"] is not JArray features
            || features.Any(f => f.Type != JTokenType.String))
            return null;
        return new TrialConfig((string)algorithm!, settings, features.Select(f => (string)f!).ToList());
    }

    /// <summary>"hidden=12-6-3 learningRate=0.003 ..." (settings in key order).</summary>
    public string DescribeSettings() => string.Join(" ", Settings.Properties().Select(p => $"{p.Name}={Text(p.Value)}"));

    /// <summary>"dnn, 5 of 7 features, hidden=12-6-3 ...".</summary>
    public string Describe(int featureCount)
    {
        string settings = DescribeSettings();
        string features = Features.Count == featureCount ? $"all {featureCount} features" : $"{Features.Count} of {featureCount} features";
        return settings.Length == 0 ? $"{Algorithm}, {features}" : $"{Algorithm}, {features}, {settings}";
    }

    private static string Text(JToken token) => token switch
    {
        JArray array => string.Join("-", array.Select(Text)),
        JValue { Type: JTokenType.Float } v => ((double)v).ToString("G4", CultureInfo.InvariantCulture),
        _ => token.ToString(Newtonsoft.Json.Formatting.None),
    };

    public override string ToString() => Canonical;
}
