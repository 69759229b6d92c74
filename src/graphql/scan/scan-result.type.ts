import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, Float, Int, ObjectType } from 'type-graphql';

import { AddressFamily } from '../common/enums';

@ObjectType({ description: 'Operating system, from os-release and uname.' })
export class OsInfo {
  @Field(() => String, { nullable: true, description: 'os-release ID, e.g. `debian`.' })
  id!: string | null;
  @Field(() => String, { nullable: true })
  name!: string | null;
  @Field(() => String, { nullable: true })
  version!: string | null;
  @Field(() => String, { nullable: true })
  versionId!: string | null;
  @Field(() => String, { nullable: true })
  prettyName!: string | null;
  @Field(() => String, { nullable: true, description: 'Kernel release (`uname -r`).' })
  kernel!: string | null;
  @Field(() => String, { nullable: true, description: 'Machine architecture (`uname -m`).' })
  arch!: string | null;
}

@ObjectType({ description: 'A local filesystem, from `df -P -k -l`. Byte counts are exact.' })
export class Disk {
  @Field(() => String)
  mount!: string;
  @Field(() => String)
  filesystem!: string;
  @Field(() => GraphQLSafeInt)
  sizeBytes!: number;
  @Field(() => GraphQLSafeInt)
  usedBytes!: number;
  @Field(() => GraphQLSafeInt)
  availableBytes!: number;
  @Field(() => Int)
  usePercent!: number;
}

@ObjectType({ description: 'Memory from /proc/meminfo, in bytes.' })
export class Memory {
  @Field(() => GraphQLSafeInt)
  totalBytes!: number;
  @Field(() => GraphQLSafeInt, { description: 'totalBytes - availableBytes.' })
  usedBytes!: number;
  @Field(() => GraphQLSafeInt)
  availableBytes!: number;
  @Field(() => GraphQLSafeInt)
  freeBytes!: number;
  @Field(() => GraphQLSafeInt)
  swapTotalBytes!: number;
  @Field(() => GraphQLSafeInt)
  swapUsedBytes!: number;
}

@ObjectType()
export class Package {
  @Field(() => String)
  name!: string;
  @Field(() => String)
  version!: string;
  @Field(() => String, { nullable: true })
  arch!: string | null;
}

@ObjectType({ description: 'Installed packages, from the host package manager.' })
export class Packages {
  @Field(() => String, { description: 'dpkg, rpm, apk or pacman.' })
  manager!: string;
  @Field(() => Int)
  count!: number;
  @Field(() => [Package])
  items!: Package[];
}

@ObjectType({ description: 'A process, among the top by resident memory.' })
export class Process {
  @Field(() => Int)
  pid!: number;
  @Field(() => String)
  user!: string;
  @Field(() => String)
  command!: string;
  @Field(() => Float)
  cpuPercent!: number;
  @Field(() => Float)
  memPercent!: number;
  @Field(() => GraphQLSafeInt)
  rssBytes!: number;
}

@ObjectType()
export class InterfaceAddress {
  @Field(() => String)
  address!: string;
  @Field(() => AddressFamily)
  family!: AddressFamily;
  @Field(() => Int)
  prefixLength!: number;
}

@ObjectType()
export class NetworkInterface {
  @Field(() => String)
  name!: string;
  @Field(() => String, { nullable: true })
  mac!: string | null;
  @Field(() => Int, { nullable: true })
  mtu!: number | null;
  @Field(() => String, {
    description: 'Operational state as the host reports it (UP, DOWN, UNKNOWN).',
  })
  state!: string;
  @Field(() => [InterfaceAddress])
  addresses!: InterfaceAddress[];
}

@ObjectType({
  description: 'What the probes found. A field is null when its probe did not run or failed.',
})
export class ScanResult {
  @Field(() => OsInfo, { nullable: true })
  os?: OsInfo;
  @Field(() => String, { nullable: true })
  hostname?: string;
  @Field(() => GraphQLSafeInt, { nullable: true })
  uptimeSeconds?: number;
  @Field(() => [Disk], { nullable: true })
  disks?: Disk[];
  @Field(() => Memory, { nullable: true })
  memory?: Memory;
  @Field(() => Packages, { nullable: true })
  packages?: Packages;
  @Field(() => [Process], { nullable: true })
  processes?: Process[];
  @Field(() => [NetworkInterface], { nullable: true })
  interfaces?: NetworkInterface[];
}
