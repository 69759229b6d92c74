import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';

import { Disk } from './disk.type';
import { Memory } from './memory.type';
import { NetworkInterface } from './network-interface.type';
import { OsInfo } from './os-info.type';
import { Packages } from './packages.type';
import { Process } from './process.type';
import { Update } from './update.type';

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
  @Field(() => [Update], { nullable: true, description: 'PATCHES: pending updates.' })
  updates?: Update[];
  @Field(() => Boolean, { nullable: true, description: 'PATCHES: whether a reboot is required.' })
  rebootRequired?: boolean;
  @Field(() => [String], {
    nullable: true,
    description:
      "PATCHES: why a reboot is required: a flag file and the packages it names, a newer installed kernel than the running one, a tool's answer. Empty when none.",
  })
  rebootReasons?: string[];
  @Field(() => GraphQLSafeInt, {
    nullable: true,
    description:
      'PATCHES: seconds since the package manager\'s metadata was last refreshed (how fresh "available" is); null when unknown.',
  })
  packageListsAge?: number | null;
}
