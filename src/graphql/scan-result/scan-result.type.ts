import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, ObjectType } from 'type-graphql';

import { Disk } from './disk.type';
import { Memory } from './memory.type';
import { NetworkInterface } from './network-interface.type';
import { OsInfo } from './os-info.type';
import { Packages } from './packages.type';
import { Process } from './process.type';

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
