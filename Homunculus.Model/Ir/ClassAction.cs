using System.Globalization;
using Newtonsoft.Json;

namespace Homunculus.Model.Ir
{
    /// <summary>What the switch does with a packet of a class besides writing the class (docs/actions.md).</summary>
    public enum ClassActionKind
    {
        /// <summary>Out of the port the packet came in on (the default).</summary>
        Forward,

        /// <summary>Not forwarded.</summary>
        Drop,

        /// <summary>Forwarded with the IP DSCP set to <see cref="ClassAction.Value"/> (IPv4 checksum kept right).</summary>
        Dscp,

        /// <summary>Forwarded out of port <see cref="ClassAction.Value"/> instead of the ingress port.</summary>
        Port,

        /// <summary>Forwarded, and a copy goes to the CPU (bmv2: clone session <see cref="ClassAction.Value"/>).</summary>
        Cpu,

        /// <summary>Forwarded, and the control plane gets a digest with the class, the ingress port and the Ethernet source.</summary>
        Digest,
    }

    /// <summary>
    /// A class's action. A class without one (<see cref="ClassInfo.Action"/> null, absent from the model file) is
    /// forwarded, so model files without actions are unchanged.
    /// </summary>
    public sealed record ClassAction
    {
        public const int MaxDscp = 63;

        /// <summary>Egress ports are 9 bits on BMv2 (where 511 is the drop port) and on Tofino.</summary>
        public const int MaxPort = 511;

        /// <summary>The clone session of <c>"cpu"</c> actions when the .hspec gives no <c>cpuSession</c>.</summary>
        public const int DefaultCpuSession = 100;

        /// <summary>Mirror sessions above this are rejected: BMv2 accepts any 32-bit id, Tofino's are 10 bits.</summary>
        public const int MaxCpuSession = 1023;

        public ClassActionKind Kind { get; init; }

        /// <summary>The DSCP (Dscp), the egress port (Port), the clone session (Cpu); 0 otherwise.</summary>
        [JsonProperty(DefaultValueHandling = DefaultValueHandling.Ignore)]
        public int Value { get; init; }

        /// <summary>Whether the packet still leaves the switch (every action but drop forwards).</summary>
        [JsonIgnore]
        public bool Forwards => Kind != ClassActionKind.Drop;

        /// <summary>As the .hspec writes it: <c>drop</c>, <c>dscp 46</c>, <c>port 3</c>, <c>cpu (session 100)</c>, ...</summary>
        public override string ToString()
        {
            string value = Value.ToString(CultureInfo.InvariantCulture);
            switch (Kind)
            {
                case ClassActionKind.Dscp: return "dscp " + value;
                case ClassActionKind.Port: return "port " + value;
                case ClassActionKind.Cpu: return "cpu (clone session " + value + ")";
                default: return Kind.ToString().ToLowerInvariant();
            }
        }
    }
}
