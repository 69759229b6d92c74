import { Field, InputType } from 'type-graphql';

import type { ScanListFilter } from '../../services/scan.types';
import { ScanStatus, ScanType } from '../common/enums';

@InputType()
export class ScanFilter implements ScanListFilter {
  @Field(() => [ScanStatus], { nullable: true })
  status?: ScanStatus[] | null;

  @Field(() => [ScanType], { nullable: true })
  type?: ScanType[] | null;

  @Field(() => String, { nullable: true })
  hostname?: string | null;
}
